"""The short report printed at the end of a contract run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ContractReport:
    rows: list[tuple[str, ...]] = field(default_factory=list)
    rehearsals: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.notes.append(line)

    def ready(self, profile: str, pod: str, startup: float, ready: float) -> None:
        self.rows.append((profile, pod, f"{startup:.1f}", f"{ready:.1f}", "", ""))

    def stopped(self, profile: str, pod: str, seconds: float, grace: float) -> None:
        for i, row in enumerate(self.rows):
            if row[0] == profile and row[1] == pod:
                self.rows[i] = (*row[:4], f"{seconds:.1f}", f"{grace:.0f}")

    def rehearsal(
        self,
        kind: str,
        profile: str,
        service: str,
        requests: int,
        failures: int,
        detail: str,
        gap: float | None = None,
    ) -> None:
        """One rehearsal: requests sent and failed, the longest time without a successful
        answer (None where nothing was under load), and what happened."""
        longest = "-" if gap is None else f"{gap:.2f}s"
        self.rehearsals.append(
            (kind, profile, service, str(requests), str(failures), longest, detail)
        )

    def lines(self) -> list[str]:
        out = []
        if self.rows:
            out.append("pods: profile / pod / started s / ready s / stopped s / grace s")
            out += ["  " + " | ".join(r) for r in self.rows]
        if self.rehearsals:
            out.append(
                "rehearsals: kind / profile / service / requests / failed / longest gap / detail"
            )
            out += ["  " + " | ".join(r) for r in self.rehearsals]
        out += self.notes
        return out


REPORT = ContractReport()
