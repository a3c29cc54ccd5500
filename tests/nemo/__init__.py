"""Tests of the NemoVideo client and backend against the fake server over loopback."""
