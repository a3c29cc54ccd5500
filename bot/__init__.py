"""clipbridge: a chat bot that edits and compresses videos with NemoVideo or a local ffmpeg."""

__version__ = "0.1.0"
