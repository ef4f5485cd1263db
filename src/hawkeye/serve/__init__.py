"""`hawkeye serve`: a small local web app that scores one video with a registered model.

Bound to 127.0.0.1, plain server-rendered HTML, no external assets: nothing leaves the machine.
"""

from hawkeye.serve.app import create_app, serve

__all__ = ["create_app", "serve"]
