"""What a message means, in English and Chinese; GUI talk rewritten; long text split."""

from __future__ import annotations

import pytest

from bot.routing import route, split_text, translate_gui


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("export", "export"),
        ("Export it please", "export"),
        ("download the video", "export"),
        ("send me the video", "export"),
        ("导出", "export"),
        ("请导出视频", "export"),
        ("下载", "export"),
        ("credits", "credits"),
        ("how many credits left?", "credits"),
        ("balance", "credits"),
        ("积分", "credits"),
        ("余额", "credits"),
        ("查询余额", "credits"),
        ("status", "status"),
        ("show tracks", "status"),
        ("show the timeline", "status"),
        ("状态", "status"),
        ("upload", "upload_hint"),
        ("上传", "upload_hint"),
        ("compress this video to under 50MB without losing quality", "turn"),
        ("export it in 720p with a title", "turn"),
        ("把视频压缩到20MB以内", "turn"),
        ("what is my balance of colours here", "turn"),
    ],
)
def test_the_seed_table(text: str, action: str) -> None:
    assert route(text).action == action


@pytest.mark.parametrize(
    ("text", "action", "argument"),
    [
        ("/start", "start", ""),
        ("/help", "help", ""),
        ("/new", "new", ""),
        ("/status@clip_bot", "status", ""),
        ("/credits", "credits", ""),
        ("/export", "export", ""),
        ("/cancel", "cancel", ""),
        ("/lang zh", "lang", "zh"),
        ("/edit make it 720p", "turn", "make it 720p"),
        ("/compress under 8MB", "turn", "under 8MB"),
    ],
)
def test_commands(text: str, action: str, argument: str) -> None:
    decision = route(text)
    assert (decision.action, decision.argument) == (action, argument)


def test_an_unknown_command_is_answered_with_help() -> None:
    decision = route("/frobnicate now")
    assert decision.action == "help"
    assert decision.unknown_command == "/frobnicate"


def test_gui_talk_becomes_chat_actions() -> None:
    clicked = translate_gui("Done. Click the Export button to download.", "en")
    assert clicked.offer_export
    assert clicked.text == "Done. Press ⬇️ Export below (or send /export) to download."
    assert translate_gui("请点击导出按钮", "zh").offer_export
    preview = translate_gui("You can preview in the timeline.", "en")
    assert preview.show_summary and "send /status" in preview.text
    dragged = translate_gui("Drag the clip onto the timeline to reorder.", "en")
    assert "Tell me the change in words" in dragged.text
    plain = translate_gui("Your video is 48 MB.", "en")
    assert plain == translate_gui("Your video is 48 MB.", "en")
    assert not plain.offer_export and plain.text == "Your video is 48 MB."


def test_long_text_splits_on_boundaries_within_the_limit() -> None:
    paragraph = "This sentence is here. " * 40
    text = paragraph + "\n\n" + "第二段。" * 100
    pieces = split_text(text, 200)
    assert all(len(piece) <= 200 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert all(piece.endswith((".", "。")) for piece in pieces[:-1])
    unbroken = "x" * 450
    assert split_text(unbroken, 200) == ["x" * 200, "x" * 200, "x" * 50]
