"""One task's code in its tab: an editor for the task the player writes, the code read
only for a fixed task, or the versions to choose from for a `choose` task. The code rules
are checked as the player types (debounced), and each refusal is shown with its line."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import RadioButton, RadioSet, Static, TextArea

from scheduler_game.level.model import TaskDef
from scheduler_game.sandbox.rules import CodeIssue, check_source
from scheduler_game.visible import visible

CHECK_AFTER = 0.3  # seconds of quiet typing before the rules are checked


class CodeEditor(TextArea):
    """The code editor: a new line keeps the indentation of the line before, one step
    deeper after a line that opens a block (`:`), and backspace in the indentation goes
    back one step, as a Python editor does."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            row, col = self.cursor_location
            line = self.document.get_line(row)
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line[:col].rstrip().endswith(":"):
                indent += " " * self.indent_width
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n" + indent, start, end)
            return
        if event.key == "backspace" and not self.read_only and self.selection.is_empty:
            row, col = self.cursor_location
            before = self.document.get_line(row)[:col]
            if col and not before.strip(" "):  # in the indentation: back one step
                step = (col - 1) % self.indent_width + 1
                event.stop()
                event.prevent_default()
                self._replace_via_keyboard("", (row, col - step), (row, col))
                return
        await super()._on_key(event)


class TaskCode(Vertical):
    """The code of one task."""

    DEFAULT_CSS = """
    TaskCode { height: 1fr; }
    TaskCode TextArea { height: 1fr; border: none; padding: 0; }
    TaskCode .where { height: auto; color: $text-muted; }
    TaskCode .issues { height: auto; max-height: 4; color: $error; }
    TaskCode .issues.-clear { color: $success; }
    TaskCode RadioSet { height: auto; width: 100%; layout: horizontal; border: none; }
    TaskCode .explain { height: auto; color: $text-muted; }
    """

    class DraftChanged(Message):
        def __init__(self, task: str, source: str) -> None:
            super().__init__()
            self.task = task
            self.source = source

    class ChoiceChanged(Message):
        def __init__(self, task: str, label: str) -> None:
            super().__init__()
            self.task = task
            self.label = label

    def __init__(self, task: TaskDef, source: str, choice: str | None = None) -> None:
        super().__init__(id=f"code-{task.name}")
        self.task_def = task
        self.source = source
        self.choice = choice
        self.issues: list[CodeIssue] = []
        self._timer: Timer | None = None

    @property
    def editable(self) -> bool:
        return self.task_def.editable

    def compose(self) -> ComposeResult:
        task = self.task_def
        if task.choose:
            with RadioSet(classes="choices"):
                for c in task.choose:
                    yield RadioButton(visible(c.label), value=c.label == self.choice, name=c.label)
            yield Static(classes="explain")
            yield CodeEditor.code_editor(
                self._choice_code(), language="python", read_only=True, classes="code"
            )
        else:
            yield CodeEditor.code_editor(
                self.source,
                language="python",
                read_only=not task.editable,
                classes="code",
                soft_wrap=False,
            )
            if task.editable:
                yield Static(classes="issues")
        yield Static(classes="where")

    def on_mount(self) -> None:
        if self.editable:
            self._check()
        if self.task_def.choose:
            self._show_explain()

    @property
    def editor(self) -> TextArea:
        return self.query_one(".code", TextArea)

    def _choice_code(self) -> str:
        for c in self.task_def.choose or []:
            if c.label == self.choice:
                return c.code
        return ""

    def _show_explain(self) -> None:
        explain = ""
        for c in self.task_def.choose or []:
            if c.label == self.choice and c.explain:
                explain = c.explain
        self.query_one(".explain", Static).update(Text(visible(explain)))

    # -- editing

    @on(TextArea.Changed, ".code")
    def _changed(self, event: TextArea.Changed) -> None:
        if not self.editable:
            return
        self.source = event.text_area.text
        self.post_message(self.DraftChanged(self.task_def.name, self.source))
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(CHECK_AFTER, self._check)

    def check_now(self) -> None:
        """Check the rules now, if a check is pending (a run is about to start)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self._check()

    def _check(self) -> None:
        self.issues = check_source(self.source, f"{self.task_def.name}.py")
        self._show_issues()

    def _show_issues(self, extra: str | None = None) -> None:
        box = self.query_one(".issues", Static)
        if extra:
            box.set_class(False, "-clear")
            box.update(Text(visible(extra)))
            return
        if not self.issues:
            box.set_class(True, "-clear")
            box.update("✓ the code rules are kept")
            return
        box.set_class(False, "-clear")
        text = Text()
        for issue in self.issues[:3]:
            text.append(f"✗ line {issue.line}, col {issue.col}: {visible(issue.message)}\n")
        if len(self.issues) > 3:
            text.append(f"… and {len(self.issues) - 3} more")
        box.update(text.rstrip() or text)

    def show_error(self, line: int, col: int, message: str) -> None:
        """A refusal or crash from a run: put the cursor on it and say it."""
        self.editor.move_cursor((max(line - 1, 0), max(col - 1, 0)), center=True)
        if self.editable:
            self._show_issues(f"✗ line {line}, col {col}: {message}")

    def set_source(self, source: str) -> None:
        self.editor.load_text(source)  # Changed follows, which saves the draft
        self.source = source

    @on(RadioSet.Changed, ".choices")
    def _chosen(self, event: RadioSet.Changed) -> None:
        label = event.pressed.name or ""
        self.choice = label
        self.editor.load_text(self._choice_code())
        self._show_explain()
        self.post_message(self.ChoiceChanged(self.task_def.name, label))

    # -- where the task is

    def show_where(self, line: int | None, words: str) -> None:
        """The timeline's cursor is at a tick where this task is at `line`."""
        self.query_one(".where", Static).update(Text(words))
        if line is not None:
            editor = self.editor
            if self.editable and editor.has_focus:
                return  # never move the cursor under a player who is typing
            editor.move_cursor((line - 1, 0), center=True)
