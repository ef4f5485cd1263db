"""Evaluation: metrics, their registry, the predictions-frame schema and the gate.

``metrics`` computes the figures from the predictions frame that train hands to
evaluate (``predictions.PREDICTIONS``); ``registry`` declares each metric once;
``gate`` is the pure promotion decision.
"""
