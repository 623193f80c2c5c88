"""Command line, settings and logging shared by every deployable of the collections CRM."""

import warnings


def _silence_authlib() -> None:
    """authlib (loaded by confluent-kafka's schema registry client, which the stream framework imports) puts
    an "always" filter for its own deprecation warnings in front of every filter when it is imported, so
    its "httpx module is deprecated" notice reached the output of every command and benchmark. Import it
    first, then put the ignore in front of that."""
    try:
        from authlib.deprecate import AuthlibDeprecationWarning
    except ImportError:  # not installed: nothing to silence
        return
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)


_silence_authlib()
