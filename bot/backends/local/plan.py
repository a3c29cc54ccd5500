"""From a probed video and what the person wants to the numbers an encode runs with.

Pure arithmetic, no I/O: the size budget becomes an audio and a video bitrate after the container's
overhead; the picture steps down a resolution ladder while its bits per pixel are too few for the
size; a target that cannot be met is refused here, before any encoding, with the smallest size that
can be. Before that, `settle` drops the wishes the video already meets (nothing is enlarged) and
caps the result at the input's size unless a new format was asked; what only changes the sound or
the container is a stream copy. The codec picks the container (VP9 goes in WebM) unless one is
asked. Everything is in bits per second and bytes (decimal: 8 MB is 8,000,000 bytes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from bot.errors import FormatMismatch, TargetUnreachable, TooHeavy
from bot.media import MediaInfo

__all__ = [
    "CODECS",
    "Codec",
    "Note",
    "Plan",
    "Want",
    "check_load",
    "correct",
    "muxing_overhead",
    "plan",
    "plan_bitrate",
    "quieter",
    "resolve_format",
    "sample_sizes",
    "settle",
    "smallest_reachable",
    "step_down",
    "x264_preset",
]

LADDER = (2160, 1440, 1080, 720, 540, 480, 360, 240)
"""Short-side heights the picture steps down through (a portrait video's width counts)."""
FLOOR = 240
AUDIO_LADDER = (128_000, 96_000, 64_000, 48_000, 32_000)
MIN_AUDIO = AUDIO_LADDER[-1]
QUIETER_FLOOR = 64_000
"""The least a small overshoot may take the sound down to (`quieter`): stereo AAC there still
sounds like the source; under it, only the planner's budget lowers the sound."""

PRE_BPP = 0.008
"""Below this many bits per pixel per frame a rung is not planned at first sight; for H.264 the
sample (`sample_sizes`) may still bring it back when calm footage looks better at it."""
TRY_BPP = 0.004
"""H.264 bits per pixel per frame under which a rung is not even sampled: mush on any footage."""
SURE_BPP = 0.08
"""H.264 bits per pixel per frame from which the full size wins on any footage (5 Mbit/s at
1080p30): no sample is spent deciding."""
GOOD_BPP = 0.018
"""H.264 bits per pixel per frame under which the next rung down looks better than this one
(about 550 kbit/s per megapixel at 30 fps; 8mb.local's ladder steps one rung there too). Above
it, SSIM and VMAF against the source both favour keeping the size (quick benchmark)."""
FLOOR_BPP = 0.012
"""H.264 bits per pixel per frame under which even 240p is mush: the target is refused."""
FILL = 0.99
"""Share of the byte budget the first encode aims for: two-pass x264 lands within about 1%, and
an overshoot is caught and encoded again."""
STEP_FPS = 30.0
"""High frame rates are capped here once the budget is tight, before the picture shrinks."""
MIN_VIDEO = 2_000
"""x264, libvpx and SVT-AV1 take bit rates in whole kbit/s, and x264's second pass refuses a rate
at its estimated minimum (1 kbit/s for the tiniest pictures): 2 kbit/s is the least asked."""
MIN_FRAME_BITS = 200
"""Bits every frame costs however empty (headers, skipped blocks): measured near 100 with x264."""


@dataclass(frozen=True, slots=True)
class Codec:
    """An output codec as ffmpeg knows it. `efficiency` scales the bits a picture needs
    relative to H.264; `first_pass` is the share of two-pass time spent in pass 1."""

    name: str  # "h264", "h265", "av1", "vp9"
    encoder: str
    label: str
    efficiency: float
    crf_lossless: int
    crf_default: int
    first_pass: float
    measured: bool = False  # the picture size is chosen by sampling candidates (`sample_sizes`)


CODECS = {
    "h264": Codec("h264", "libx264", "H.264", 1.0, 18, 23, 0.3, measured=True),
    "h265": Codec("h265", "libx265", "H.265", 0.65, 20, 28, 0.3),
    "vp9": Codec("vp9", "libvpx-vp9", "VP9", 0.7, 24, 33, 0.35),
    "av1": Codec("av1", "libsvtav1", "AV1", 0.55, 26, 35, 0.3),
}

Mode = Literal["bitrate", "crf", "keep", "copy"]

CONTAINERS: dict[str, tuple[str, ...]] = {
    "mp4": ("h264", "h265", "vp9", "av1"),
    "webm": ("vp9", "av1"),
    "mkv": ("h264", "h265", "vp9", "av1"),
}
"""The codecs each output container can hold."""
HOME = {"h264": "mp4", "h265": "mp4", "vp9": "webm", "av1": "mp4"}
"""The container a codec goes in unless another is asked: VP9 is a WebM codec; AV1 plays in MP4
wherever it plays at all, and MP4 is what chat apps show inline."""
FIRST_CODEC = {"mp4": "h264", "webm": "vp9", "mkv": "h264"}
"""The codec a container gets when only the container is asked ("make it a webm")."""
AUDIO_CODECS = {"mp4": ("aac",), "webm": ("opus", "vorbis"), "mkv": ("aac", "opus", "vorbis")}
"""Audio a container takes as it is; the first is what it gets when audio is encoded."""
SOURCE_CODECS = {"h264": "h264", "hevc": "h265", "vp9": "vp9", "av1": "av1"}
"""A probed video codec (ffmpeg's name) as an output codec, for streams copied as they are."""


@dataclass(frozen=True, slots=True)
class Want:
    """What the person asked for, in the engine's terms (built from the parser's request)."""

    target: int | None = None  # bytes the output must never exceed
    target_asked: bool = False  # False: `target` is only the chat's upload limit, a cap
    codec: str = "h264"
    container: str = "mp4"
    format_asked: bool = False  # a codec or container was named: a new format may weigh more
    height: int | None = None
    width: int | None = None
    scale: float | None = None
    max_fps: float | None = None
    remove_audio: bool = False
    audio_bitrate: int | None = None
    trim_start: float | None = None  # negative: the last N seconds
    trim_end: float | None = None
    keep_quality: bool = False
    shrink: bool = False  # "compress", "smaller": worth trying even with no size named
    asked: int | None = None  # the size the person named, for what is said; `target` may be less
    edited: bool = False  # the source is an edit's intermediate (see `edits`): always encoded

    @property
    def changes_picture(self) -> bool:
        """A new size, frame rate or length: every frame has to be encoded again."""
        return bool(
            self.height or self.width or self.scale or self.max_fps or self.trim_start
            or self.trim_end is not None or self.edited
        )  # fmt: skip

    @property
    def changes_sound(self) -> bool:
        return self.remove_audio or self.audio_bitrate is not None

    @property
    def changes(self) -> bool:
        """Anything asked beyond size: then the source cannot be handed back as it is."""
        return self.changes_picture or self.changes_sound or self.format_asked


@dataclass(frozen=True, slots=True)
class Plan:
    """One encode: `bitrate` is two-pass at `video_bitrate`; `crf` is constant quality (then
    checked against `target`); `keep` hands the source back untouched."""

    mode: Mode
    codec: Codec
    width: int
    height: int
    fps: float | None  # None: the source's frame timing is kept
    start: float
    duration: float
    video_bitrate: int = 0
    crf: int | None = None
    audio_bitrate: int = 0  # 0: no audio track
    audio_channels: int = 2
    copy_audio: bool = False
    target: int | None = None
    stepped_down: bool = False  # the ladder lowered the resolution to fit the budget
    container: str = "mp4"

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def suffix(self) -> str:
        return f".{self.container}"


def muxing_overhead(duration: float, fps: float, audio: bool, audio_rate: int | None = None) -> int:
    """MP4 bytes that are not media: the index (a few bytes per sample) and fixed boxes. An AAC
    frame is 1024 samples, so the audio's share follows its sample rate (48 kHz when unknown)."""
    frames = duration * fps
    audio_frames = duration * (audio_rate or 48_000) / 1024 if audio else 0
    return math.ceil(4096 + 16 * frames + 10 * audio_frames)


def plan(info: MediaInfo, want: Want, *, fill: float = FILL) -> Plan:
    """The encode that best meets `want` for `info`. Raises `TargetUnreachable` when the size
    cannot be met even at 240p with the least audio."""
    codec = CODECS[want.codec]
    start, duration = _window(info, want)
    fps = _fps(info, want)
    width, height = _dimensions(info, want)
    has_audio = info.has_audio and not want.remove_audio
    base = Plan("crf", codec, width, height, fps, start, duration, target=want.target,
                container=want.container)  # fmt: skip

    fits = want.target is None or info.size <= want.target
    worth_trying = want.shrink or want.keep_quality  # a smaller file might come of it
    if fits and not want.changes and _deliverable(info) and (want.target_asked or not worth_trying):
        # already fits, or nothing asked changes anything: the file itself is the answer, and
        # whatever the floor of a new encode, it is proof enough
        return replace(base, mode="keep", width=info.width, height=info.height)
    copy = _copy(info, want, base)
    if copy is not None and (want.target is None or _copy_size(info, copy) <= want.target):
        return copy
    if want.target is None:
        return _quality(info, want, base)
    smallest = smallest_reachable(info, want)
    if want.target < smallest:
        raise TargetUnreachable(target=want.target, smallest=smallest)
    if _natural_size(info, want, base) <= want.target:
        # a constant-quality encode should fit: no reason to spend the whole budget
        return _quality(info, want, base)
    return _bitrate(info, want, base, has_audio=has_audio, fill=fill)


Note = tuple[str, dict[str, object]]
"""A `bot.texts` key and its parameters: something to say about the request before any work."""


def resolve_format(codec: str | None, container: str | None) -> tuple[str, str]:
    """The codec and container an output gets: the one named picks the other (VP9 goes in WebM,
    a WebM gets VP9). Raises `FormatMismatch` when the container cannot hold the codec."""
    if container is None:
        container = HOME[codec or "h264"]
    codec = codec or FIRST_CODEC[container]
    if codec not in CONTAINERS[container]:
        fits = tuple(CODECS[c].label for c in CONTAINERS[container])
        raise FormatMismatch(codec=CODECS[codec].label, container=container, fits=fits)
    return codec, container


def check_load(info: MediaInfo, max_pixel_rate: int) -> None:
    """Refuse a video that holds more than `max_pixel_rate` pixels a second (width x height x
    fps): decoding it would hold an encoder for ages whatever the file's size (a decode bomb: a
    few hundred KB of 8192x8192 frames). The one place this is decided, before any encode."""
    fps = max(info.fps, 1.0)
    if info.width * info.height * fps > max_pixel_rate:
        detail = f"{info.width}x{info.height} at {fps:g} fps over {max_pixel_rate} px/s"
        raise TooHeavy(detail, width=info.width, height=info.height, fps=fps)


def settle(info: MediaInfo, want: Want) -> tuple[Want, list[Note]]:
    """`want` without the wishes `info` already meets ("720p" on a 720p video, "30fps" on 30 fps,
    "1080p" on 720p: nothing is ever enlarged), with what to say about each; and, unless a new
    format was asked, never a result larger than the input."""
    notes: list[Note] = []
    if want.format_asked and (SOURCE_CODECS.get(info.codec), _container_of(info)) == (
        want.codec,
        want.container,
    ):
        want = replace(want, format_asked=False)  # "make it an mp4" of an MP4
        label = CODECS[want.codec].label
        notes.append(("engine_already_format", {"codec": label, "container": want.container}))
    if (want.height or want.width or want.scale) and _dimensions(info, want) == _even_size(info):
        short = min(info.width, info.height)
        if want.height and not want.width:
            key = "engine_already_height" if want.height == short else "engine_no_upscale"
            notes.append((key, {"height": short, "asked": want.height}))
        else:
            notes.append(("engine_already_size", {"width": info.width, "height": info.height}))
        want = replace(want, height=None, width=None, scale=None)
    if want.max_fps and info.fps <= want.max_fps + 0.01:
        fps, asked = f"{info.fps:.3g}", f"{want.max_fps:g}"
        key = "engine_already_fps" if fps == asked else "engine_fps_below"
        notes.append((key, {"fps": fps, "asked": asked}))
        want = replace(want, max_fps=None)
    if want.remove_audio and not info.has_audio:
        notes.append(("engine_already_silent", {}))
        want = replace(want, remove_audio=False)
    if not want.format_asked and not want.keep_quality:
        want = _cap_at_input(info, want)
    return want, notes


def _cap_at_input(info: MediaInfo, want: Want) -> Want:
    """The input's size as a cap on the result, where it can be met at all (a source leaner
    than the floor keeps the cap it had)."""
    if want.target is not None and want.target <= info.size:
        return want
    capped = replace(want, target=info.size)
    if info.size < smallest_reachable(info, capped):
        return want
    return capped


def _container_of(info: MediaInfo) -> str | None:
    if info.container.startswith("mov,mp4"):
        return "mp4"
    suffix = info.path.suffix.lower().lstrip(".")
    return suffix if suffix in ("webm", "mkv") else None


def _even_size(info: MediaInfo) -> tuple[int, int]:
    return _even(info.width), _even(info.height)


def plan_bitrate(info: MediaInfo, want: Want, *, fill: float = FILL) -> Plan:
    """The two-pass plan for `want.target`, whatever a constant-quality encode might weigh."""
    assert want.target is not None
    codec = CODECS[want.codec]
    start, duration = _window(info, want)
    width, height = _dimensions(info, want)
    base = Plan("bitrate", codec, width, height, _fps(info, want), start, duration,
                target=want.target, container=want.container)  # fmt: skip
    has_audio = info.has_audio and not want.remove_audio
    return _bitrate(info, want, base, has_audio=has_audio, fill=fill)


def smallest_reachable(info: MediaInfo, want: Want) -> int:
    """The smallest size (bytes, rounded up as it is shown) a `want` like this one can be met at."""
    _, duration = _window(info, want)
    fps = min(_fps(info, want) or info.fps, STEP_FPS)
    has_audio = info.has_audio and not want.remove_audio
    codec = CODECS[want.codec]
    video = _min_video_bitrate(_floor_pixels(info.width, info.height), fps, codec)
    audio = _least_audio(info, want) if has_audio else 0
    overhead = muxing_overhead(duration, fps, has_audio, info.audio_rate)
    need = overhead + (video + audio) * duration / 8 / FILL
    return _round_up_as_shown(need)


def _round_up_as_shown(size: float) -> int:
    """`size` rounded up to what a refusal shows (one decimal of KB, MB or GB): "about 1.0 MB"
    for 1.04 MB would name a size that is itself refused."""
    step = 10_000 if size < 1_000_000 else 100_000 if size < 1_000_000_000 else 100_000_000
    return math.ceil(size / step) * step


def correct(
    current: Plan,
    actual_size: int,
    *,
    fill: float = FILL,
    source_fps: float | None = None,
    audio_rate: int | None = None,
) -> Plan:
    """A new bitrate after an encode came out at `actual_size`, over or far under its target:
    scale the video share by how far it missed, aiming a little lower each time. `source_fps`
    and `audio_rate` size the container's index as `plan` did (the frame rate kept is the
    source's when `current.fps` is None)."""
    assert current.target is not None
    fps = current.fps or source_fps or 30.0
    overhead = muxing_overhead(current.duration, fps, current.audio_bitrate > 0, audio_rate)
    audio_bytes = current.audio_bitrate * current.duration / 8
    video_actual = max(1.0, actual_size - overhead - audio_bytes)
    video_budget = (current.target - overhead - audio_bytes) * fill
    ratio = video_budget / video_actual
    if actual_size > current.target:
        ratio = min(ratio, 0.985)  # strictly less than before, even when the miss was tiny
    bitrate = max(_least_bitrate(fps), int(current.video_bitrate * ratio))
    return replace(current, video_bitrate=bitrate)


def quieter(current: Plan, actual_size: int, want: Want, *, least: float) -> Plan | None:
    """The same picture with its sound one rung lower, when that alone brings an encode that came
    out at `actual_size` under its target and still over `least` of it: the sound is encoded
    again in a moment, where another pass 2 costs as long as the first (x264's two-pass lands a
    percent or two over on a short clip). None when the sound was asked for, would go under
    `QUIETER_FLOOR`, or would save too little or too much (a long clip's picture is better
    served by the bits)."""
    if current.target is None or not current.audio_bitrate or want.audio_bitrate is not None:
        return None
    lower = next((rate for rate in AUDIO_LADDER if rate < current.audio_bitrate), 0)
    if lower < QUIETER_FLOOR:
        return None
    saved = (current.audio_bitrate - lower) * current.duration / 8
    # AAC lands near its rate, not on it: a tenth of the saving either way
    smallest, largest = actual_size - saved * 1.1, actual_size - saved * 0.9
    if largest > current.target or smallest < least * current.target:
        return None
    return replace(current, audio_bitrate=lower, copy_audio=False)


# --- pieces ------------------------------------------------------------------------------------


def _window(info: MediaInfo, want: Want) -> tuple[float, float]:
    start = want.trim_start or 0.0
    if start < 0:
        start = max(0.0, info.duration + start)
    end = info.duration if want.trim_end is None else min(want.trim_end, info.duration)
    if want.trim_end is not None and want.trim_end < 0:  # "drop the last N seconds"
        end = info.duration + want.trim_end
    start = min(start, info.duration)
    if end <= start:
        start, end = 0.0, info.duration
    return start, end - start


def _fps(info: MediaInfo, want: Want) -> float | None:
    if want.max_fps and info.fps > want.max_fps:
        return float(want.max_fps)
    return None


def _dimensions(info: MediaInfo, want: Want) -> tuple[int, int]:
    """The size asked for (never larger than the source), kept to the source's shape."""
    w, h = info.width, info.height
    if want.scale:
        return _even(w * want.scale), _even(h * want.scale)
    if want.width and want.height:
        return _even(min(want.width, w)), _even(min(want.height, h))
    if want.height:
        # "720p" names the short side: a portrait video's width
        return _at_short_side(w, h, min(want.height, w, h))
    if want.width:
        side = min(want.width, w)
        return _even(side), _even(h * side / w)
    return _even(w), _even(h)


def _at_short_side(w: int, h: int, short: int) -> tuple[int, int]:
    if w <= h:
        return _even(short), _even(h * short / w)
    return _even(w * short / h), _even(short)


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def _natural_size(info: MediaInfo, want: Want, base: Plan) -> float:
    """Roughly what a constant-quality encode would weigh: the source's bit rate over the kept
    window, scaled by the pixels kept. An estimate to pick a mode, never a promise."""
    scale = (base.width * base.height) / max(1, info.pixels)
    audio = (info.audio_bitrate or 128_000) if info.has_audio and not want.remove_audio else 0
    video = info.size * 8 / info.duration - ((info.audio_bitrate or 0) if info.has_audio else 0)
    return (max(0.0, video) * scale + audio) * base.duration / 8


def _deliverable(info: MediaInfo) -> bool:
    """Plays inline on every chat client as it is: H.264 in MP4, 8-bit 4:2:0, AAC or silent."""
    return (
        info.codec == "h264"
        and info.container.startswith("mov,mp4")
        and info.pix_fmt in ("yuv420p", "yuvj420p")
        and info.audio_codec in (None, "aac")
    )


def _copy(info: MediaInfo, want: Want, base: Plan) -> Plan | None:
    """The picture copied as it is, when nothing asked touches it ("mute", "as an mkv"): only
    the sound or the container changes, and the video stream keeps every bit."""
    source = SOURCE_CODECS.get(info.codec)
    if source is None or want.changes_picture:
        return None
    if want.format_asked and want.codec != source:
        return None
    container = want.container if want.format_asked else HOME[source]
    if source not in CONTAINERS[container] or not (want.changes_sound or want.format_asked):
        return None
    keep_audio = info.has_audio and not want.remove_audio
    copy_audio = keep_audio and want.audio_bitrate is None and _audio_fits(info, container)
    audio = 0
    if keep_audio:
        audio = (info.audio_bitrate or 128_000) if copy_audio else (want.audio_bitrate or 128_000)
    return replace(base, mode="copy", codec=CODECS[source], width=info.width, height=info.height,
                   fps=None, audio_bitrate=audio, copy_audio=copy_audio,
                   container=container)  # fmt: skip


def _copy_size(info: MediaInfo, copy: Plan) -> float:
    """What a stream copy weighs: the source less the sound it drops or re-encodes."""
    source_audio = (info.audio_bitrate or 0) if info.has_audio else 0
    return info.size + (copy.audio_bitrate - source_audio) * info.duration / 8


def _audio_fits(info: MediaInfo, container: str) -> bool:
    return info.audio_codec in AUDIO_CODECS[container]


def _quality(info: MediaInfo, want: Want, base: Plan) -> Plan:
    codec = base.codec
    crf = codec.crf_lossless if want.keep_quality else codec.crf_default
    has_audio = info.has_audio and not want.remove_audio
    copy = has_audio and _audio_fits(info, want.container) and want.audio_bitrate is None
    audio = 0
    if has_audio:
        audio = want.audio_bitrate or _snap_audio(min(info.audio_bitrate or 128_000, 160_000))
    return replace(base, mode="crf", crf=crf, audio_bitrate=audio, copy_audio=copy)


def _bitrate(info: MediaInfo, want: Want, base: Plan, *, has_audio: bool, fill: float) -> Plan:
    codec = base.codec
    assert want.target is not None
    target = want.target
    duration = base.duration
    src_fps = base.fps or info.fps
    overhead = muxing_overhead(duration, src_fps, has_audio, info.audio_rate)
    total = (target - overhead) * 8 / duration * fill
    smallest = smallest_reachable(info, want)
    if total <= 0:
        raise TargetUnreachable(target=target, smallest=smallest)
    audio = _audio_for(info, want, total) if has_audio else 0
    copy_audio = has_audio and _copyable_audio(info, want) and (info.audio_bitrate or 0) <= audio
    if copy_audio:
        audio = info.audio_bitrate or audio  # re-encoding at a higher rate only adds bytes
    video = int(total - audio)

    fps = base.fps
    w, h = base.width, base.height
    eff_fps = fps or info.fps
    if _bpp(video, w, h, eff_fps) < GOOD_BPP * codec.efficiency and eff_fps > STEP_FPS:
        fps, eff_fps = STEP_FPS, STEP_FPS
    if video < _min_video_bitrate(_floor_pixels(w, h), eff_fps, codec) and eff_fps > STEP_FPS:
        fps, eff_fps = STEP_FPS, STEP_FPS  # the floor is reckoned at 30 fps: so is this budget
    enough = PRE_BPP if codec.measured else GOOD_BPP * codec.efficiency
    for rung in _rungs(min(w, h)):
        w, h = _at_short_side(base.width, base.height, rung)
        # the first rung with bits enough for both: a rung that passes the pre-check but not the
        # floor is no reason to refuse while lower rungs remain
        floor = _min_video_bitrate(w * h, eff_fps, codec)
        if _bpp(video, w, h, eff_fps) >= enough and video >= floor:
            break
    stepped = (w, h) != (base.width, base.height)
    if video < _min_video_bitrate(w * h, eff_fps, codec):
        raise TargetUnreachable(target=target, smallest=smallest)
    return replace(
        base,
        mode="bitrate",
        width=w,
        height=h,
        fps=fps,
        video_bitrate=video,
        audio_bitrate=audio,
        audio_channels=2 if audio >= 64_000 else 1,
        copy_audio=copy_audio,
        stepped_down=stepped,
    )


def step_down(current: Plan, source_fps: float) -> Plan | None:
    """The same budget one rung lower, or None at the floor or when the rung would starve."""
    lower = [r for r in LADDER if FLOOR <= r < current.short_side]
    if not lower:
        return None
    w, h = _at_short_side(current.width, current.height, lower[0])
    if current.video_bitrate < _min_video_bitrate(w * h, current.fps or source_fps, current.codec):
        return None
    return replace(current, width=w, height=h, stepped_down=True)


def sample_sizes(info: MediaInfo, want: Want, current: Plan) -> list[Plan]:
    """The sizes worth comparing on a sample before a two-pass H.264 encode, largest first, each
    with bits enough to be worth a look: the planned full size and the rung below it, or, when the
    plan already stepped down, the rung above it, itself and the one below. One plan alone means
    there is nothing to decide (plenty of bits, a size asked, a codec that is not sampled)."""
    if current.mode != "bitrate" or not current.codec.measured or want.height or want.width:
        return [current]
    if want.scale:
        return [current]
    eff_fps = current.fps or info.fps
    top_w, top_h = _dimensions(info, want)
    if _bpp(current.video_bitrate, top_w, top_h, eff_fps) >= SURE_BPP:
        return [current]
    fitting: list[Plan] = []
    for rung in _rungs(min(top_w, top_h)):
        w, h = _at_short_side(top_w, top_h, rung)
        floor = _least_bitrate(eff_fps)
        if _bpp(current.video_bitrate, w, h, eff_fps) < TRY_BPP or current.video_bitrate < floor:
            continue
        fitting.append(replace(current, width=w, height=h, stepped_down=(w, h) != (top_w, top_h)))
    planned = next(
        (i for i, p in enumerate(fitting) if p.short_side <= current.short_side), len(fitting) - 1
    )
    if planned == 0:  # bits enough for the full size on paper: is one rung down better?
        return fitting[:2] or [current]
    # tight enough that the full size failed the first look: the rung above, this, the one below
    return fitting[planned - 1 : planned + 2]


def x264_preset(plan: Plan) -> str:
    """The x264 preset of the final encode: `medium` at every size and length, by measurement
    (two-pass at the benchmark's 8 MB rates on its 1080p30 talking head, 1080p60 grainy motion
    and 480p clips): `faster` saves 16-22% of the CPU time and loses 0.1-1.6 VMAF, `fast` saves
    9-12% and loses 0.4-1.4, `slow` costs 11-30% more for at most 0.45 (less than nothing on the
    grainy clip). At no size measured was another preset the better trade, and the engine must
    not look worse than the textbook two-pass, which runs `medium`. The one place to decide it."""
    del plan  # one answer at every size measured
    return "medium"


def _rungs(short: int) -> list[int]:
    """The source's own short side, then each rung below it down to 240p."""
    rungs = [short] + [r for r in LADDER if r < short and r >= FLOOR]
    return rungs


def _bpp(video: float, w: int, h: int, fps: float) -> float:
    return video / (w * h * max(fps, 1.0))


def _floor_pixels(width: int, height: int) -> int:
    """Pixels of the lowest rung a picture of this size steps down to."""
    w, h = _at_short_side(width, height, min(FLOOR, width, height))
    return w * h


def _min_video_bitrate(pixels: int, fps: float, codec: Codec) -> int:
    """The least a picture of `pixels` at `fps` is encoded with; never under the encoders' own
    minimum (their rate control counts in kbit/s), however small or slow the picture."""
    return int(max(_least_bitrate(fps), FLOOR_BPP * codec.efficiency * pixels * fps))


def _least_bitrate(fps: float) -> int:
    """What an encoder can be asked for at all, whatever the picture."""
    return int(max(MIN_VIDEO, MIN_FRAME_BITS * fps))


def _copyable_audio(info: MediaInfo, want: Want) -> bool:
    """The source's track can go into the output as it is: a codec the container takes, and no
    rate asked."""
    fits = _audio_fits(info, want.container)
    return fits and want.audio_bitrate is None and bool(info.audio_bitrate)


def _least_audio(info: MediaInfo, want: Want) -> int:
    """The fewest audio bits a second an output can carry: the rate asked, else the lowest rung,
    or the source's own track when that is already leaner and can be copied."""
    if want.audio_bitrate:
        return want.audio_bitrate
    if _copyable_audio(info, want):
        return min(MIN_AUDIO, info.audio_bitrate or MIN_AUDIO)
    return MIN_AUDIO


def _audio_for(info: MediaInfo, want: Want, total: float) -> int:
    """A tenth of the budget, between 32 and 128 kbit/s, never above what the source has."""
    if want.audio_bitrate:
        return want.audio_bitrate
    ceiling = _snap_audio(info.audio_bitrate or AUDIO_LADDER[0], up=True)
    return min(_snap_audio(max(MIN_AUDIO, min(total * 0.1, AUDIO_LADDER[0]))), ceiling)


def _snap_audio(bps: float, *, up: bool = False) -> int:
    if up:
        fitting = [r for r in AUDIO_LADDER if r >= bps]
        return min(fitting) if fitting else AUDIO_LADDER[0]
    return next((r for r in AUDIO_LADDER if r <= bps), MIN_AUDIO)
