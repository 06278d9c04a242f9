"""A fake resolver for `SafeFetcher(resolver=...)`: names to addresses, lookups recorded."""

from __future__ import annotations

from collections.abc import Sequence

from accord.engine.fetcher import ResolutionFailed


class FakeResolver:
    """Each name maps to its addresses, or to a list of answers served one per lookup
    (the last one repeats), which is how a rebinding attacker's DNS behaves."""

    def __init__(self, answers: dict[str, Sequence[str] | list[Sequence[str]]]) -> None:
        self._answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self._answers.get(host)
        if answer is None:
            raise ResolutionFailed(f"{host} does not resolve (fake DNS)")
        if answer and not isinstance(answer[0], str):
            rounds = [list(round_) for round_ in answer]
            return rounds[min(self.lookups.count(host), len(rounds)) - 1]
        return [str(address) for address in answer]
