"""What we add to the Rasa process when it starts (`python -m rasa_runtime run ...`, in the Rasa environment).

Rasa itself is not forked: `adjust()` applies a few small, tested adjustments before Rasa's own command line
runs. Each one is in its own module, which says why it is safe.
"""


def adjust() -> None:
    """Install every adjustment; call before Rasa starts serving."""
    from rasa_runtime import http, loading, trackers, validation, warm

    loading.install()
    trackers.install()
    validation.install()
    http.install()
    warm.install()
