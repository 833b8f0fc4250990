"""Web app tests (a package, so that this conftest is not imported as a top-level ``conftest``)."""
