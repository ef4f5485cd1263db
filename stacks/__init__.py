"""ZenML stack definitions (``*.yaml``) and the code that brings them up."""
