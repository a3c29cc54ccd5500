"""What a person asked the local engine to do, read from their words (English and Chinese).

`parse("compress this to under 50MB without losing quality")` gives an `EncodeRequest`; the engine
plans an encode from it and `describe` says back what was understood. No model, no network: a
fixed set of patterns run over a normalized copy of the text, each claiming the words it reads so
that no later pattern reads them again ("1280x720" is never also "720p"; "1m30s" is never "1 MB").

Decisions where people are ambiguous:
- Units: MB/M/兆 = 10^6 bytes, MiB = 2^20, GB/G = 10^9, GiB = 2^30, KB = 10^3, KiB = 2^10; "Mb"
  is read as MB (nobody asks for megabits). A comma between digits is a thousands separator when
  three digits follow ("1,500 MB" = 1500 MB) and a decimal point when one or two digits and a size
  unit follow ("1,5 GB" = 1.5 GB); anything else is a list ("1280x720,30fps").
- Several sizes: the smallest one named with a target word ("to", "under", "以内") wins, else the
  smallest: "my 500MB video to 50MB" means 50 MB. Several heights or frame rates are a from-to
  ("4k to 1080p"): the lowest wins. Several codecs: the last named ("from h264 to hevc").
- Times: a number without a unit is seconds, or the other end's unit in a range ("10 to 45s").
  Negative times count back from the end: "last 10 seconds" -> trim_start -10; "drop the last 5
  seconds" -> trim_end -5. "The first half" needs the duration, so it is not understood.
- "half" alone and "缩小一半" halve the resolution; "half the size" / "体积减半" halve the file.
  "compress 30%" / "压缩30%" take 30% off (0.7 of the size); "to 30%" / "压缩到30%" keep 30%.
- "for Discord", "fit Telegram", "适合微信", "too big to send": the chat's upload limit (the only
  limit we know).
- A wish said the other way ("don't remove the audio", "不要去掉声音") is not that wish.
- Links, mentions and file names say nothing, except a file's extension ("out.webm" is VP9 in
  WebM). A container named picks the codec when none is ("make it an mp4" is H.264).
- "all" / "全部" alone is not a request: it says which videos, not what to do with them.
- Only the first 1024 characters are read (what a Telegram caption holds; a request is a sentence
  or two), and a word or number the cut would split is left out whole. So a long or hostile
  message costs no more than a caption: every pattern below is linear in what it reads.
- A size must be above zero ("under -5MB", "0MB" are refused, not read as 5 MB or ignored) and at
  most a petabyte; a time at most 10^7 seconds; a larger number (a 400-digit one) is refused
  with its own answer, never an overflow.
"""

from __future__ import annotations

from dataclasses import replace

from bot.backends.local.intent.audio import read_audio
from bot.backends.local.intent.cannot import read_cannot
from bot.backends.local.intent.describe import describe
from bot.backends.local.intent.edits import read_edits
from bot.backends.local.intent.goals import ALL, COMPRESS, FIT_CHAT, KEEP_QUALITY, read_destination
from bot.backends.local.intent.outputs import read_output
from bot.backends.local.intent.picture import read_codec, read_fps, read_resolution
from bot.backends.local.intent.request import (
    AudioFormat,
    Codec,
    Container,
    EncodeRequest,
    Fit,
    Output,
)
from bot.backends.local.intent.sizes import read_fraction_and_scale, read_sizes
from bot.backends.local.intent.text import READ_AT_MOST, Text, affirmed, normalize
from bot.backends.local.intent.times import check_trim, read_times
from bot.errors import UnclearRequest

__all__ = [
    "EXAMPLES_KEY",
    "READ_AT_MOST",
    "AudioFormat",
    "Codec",
    "Container",
    "EncodeRequest",
    "Fit",
    "Output",
    "describe",
    "parse",
]

EXAMPLES_KEY = "intent_examples"

_READERS = (
    *(read_output, read_edits, read_audio, read_times, read_sizes, read_fraction_and_scale),
    *(read_resolution, read_fps, read_codec, read_destination),
)


def parse(text: str) -> EncodeRequest:
    """What `text` asks of the local engine. Pure and fast.

    Raises `UnclearRequest` when nothing in `text` is understood, or when what is understood
    contradicts itself (a trim that ends before it starts).
    """
    src = Text(normalize(text))
    read_cannot(src)
    r = EncodeRequest()
    # Order matters: each reader blanks what it read, so the more specific go first
    # ("audio 96k" before sizes, "1m30s" before "1 MB", "1280x720" before "720p").
    for read in _READERS:
        r = read(src, r)
    if any(affirmed(src, m) for m in src.take(FIT_CHAT)):
        r = replace(r, fit_chat=True)
    if any(affirmed(src, m) for m in src.take(KEEP_QUALITY)):
        r = replace(r, keep_quality=True)
    # Searched, not taken: the verb in "compress all" is also read by COMPRESS.
    all_videos = ALL.search(src.s) is not None
    if src.take(COMPRESS):
        r = replace(r, wants_compress=True)

    if r == EncodeRequest():
        raise UnclearRequest(f"nothing understood in {len(text)} characters")
    check_trim(r)
    return replace(r, apply_to_all=all_videos)
