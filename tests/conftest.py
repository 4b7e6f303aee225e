"""The fixtures ``fake_leadconnector`` and ``leadconnector_client`` come from the package's own
pytest plugin (entry point ``pytest11``), exactly as users get them."""
