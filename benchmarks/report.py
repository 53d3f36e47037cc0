"""A benchmark figure: two timings from the same run on the same data, their ratio and the goal."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """`a` ÷ `b`, both measured in this run on the same data, against a goal for the ratio.

    Without `b`, the goal applies to `a` itself (e.g. a count or a rate).
    """

    name: str
    a_label: str
    a: float
    b_label: str = ""
    b: float | None = None
    goal: str = ""  # "<= 1.2" or ">= 10"
    detail: str = ""
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        return None if self.b is None else self.a / self.b

    @property
    def met(self) -> bool:
        measured = self.a if self.ratio is None else self.ratio
        op, _, bound = self.goal.partition(" ")
        return measured <= float(bound) if op == "<=" else measured >= float(bound)


# A 1-minute load average above this share of the cores as a run starts: other work is running.
# A run begun two minutes after the test suite ended measured the generator at half speed.
BUSY_LOAD_SHARE = 0.5


def busy_machine_warning(load: float, cores: int) -> str | None:
    """What to print when the machine is not idle as a run starts (its figures will be slow and
    their ratios noisy); None when it is."""
    if load <= BUSY_LOAD_SHARE * cores:
        return None
    return (
        f"Warning: the machine is busy (load average {load:.2f} over the last minute on {cores} "
        "cores): other work slows these figures; run the benchmarks alone."
    )


def machine() -> dict:
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "python": platform.python_version(),
        "java": java.splitlines()[0] if java else "unknown",
        "system": f"{platform.system()} {platform.release()}",
    }


def _value(label: str, value: float | None, unit: str) -> str:
    if value is None:
        return ""
    shown = f"{value:.2f} s" if unit == "s" else f"{value:,.0f} {unit}"
    return f"{label} {shown}".strip()


def table(figures: list[Figure]) -> str:
    header = ("figure", "measured", "compared with", "ratio", "goal", "")
    rows = [
        (
            f.name,
            _value(f.a_label, f.a, f.unit),
            _value(f.b_label, f.b, f.unit),
            f"{f.ratio:.2f}" if f.ratio is not None else "",
            f.goal,
            "met" if f.met else "MISSED",
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    details = [f"- {f.name}: {f.detail}" for f in figures if f.detail]
    return "\n".join([*lines, "", *details])


def write_json(figures: list[Figure], path: Path, scale: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "machine": machine(),
        "figures": [{**asdict(f), "ratio": f.ratio, "met": f.met} for f in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def markdown(figures: list[Figure], about: dict) -> str:
    """The table for README.md's Performance section."""
    lines = [
        f"{about['cpu']}, {about['cores']} cores, {about['memory_gib']} GiB, "
        f"Python {about['python']}, {about['java']}",
        "",
        "| figure | measured | compared with | ratio | goal | |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        lines.append(
            f"| {f.name} | {_value(f.a_label, f.a, f.unit)} | {_value(f.b_label, f.b, f.unit)} "
            f"| {ratio} | {f.goal} | {'met' if f.met else '**missed**'} |"
        )
    return "\n".join(lines) + "\n"
