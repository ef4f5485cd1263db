"""Landmark sequences: the array contract shared by extractors, features and models."""

from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LandmarkSequence, load_sequence

__all__ = ["JOINT_LAYOUTS", "LandmarkSequence", "load_sequence"]
