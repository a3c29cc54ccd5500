"""The one test scaffold: settings, secrets, stores and wiring every test directory shares."""
