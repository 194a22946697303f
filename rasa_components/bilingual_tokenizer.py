"""A tokenizer for residents who write English, Chinese, or both in one message.

Rasa's JiebaTokenizer accepts only `language: zh` and keeps spaces and punctuation as tokens; the
WhitespaceTokenizer cannot split Chinese, which has no spaces. This one splits on white space and
punctuation as WhitespaceTokenizer does, then cuts every run of Chinese characters into words with
jieba (its dictionary ships inside the package: nothing is downloaded), after writing the run in simplified
characters (OpenCC, dictionaries inside its wheel), so traditional characters read as the model learnt
them. English tokens stay exactly what WhitespaceTokenizer makes, so one model serves both languages
without changing English features.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import regex

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from cases.guards.cleaning import simplified

# CJK ideographs (and the extension blocks residents' phones can type); a run of them is cut by jieba.
HAN_RUN = regex.compile(r"\p{Han}+")
WORDLIKE = regex.compile(r"\w")  # a piece with no letter or digit is punctuation (，。！) and no token
# Greetings, politeness and sign-offs: in a long letter they outnumber the complaint and say nothing about
# its type, so a long message's words inside them are left out (a short "thanks" or "您好" keeps them: it
# is what the message says).
FORMULAS = regex.compile(
    r"\b(?:dear\s+(?:sir\s*(?:or|/)\s*madam|sir|madam|council|team|all)|to whom it may concern|hi there|"
    r"good (?:morning|afternoon|evening)|i am writing (?:to|about|regarding|again)|i'm writing (?:to|about|again)|"
    r"(?:i )?hope (?:you are|you're|this finds you) well|(?:many )?thanks(?: (?:in advance|so much|very much))?|"
    r"thank you(?: (?:in advance|so much|very much|for your (?:help|time|attention)))?|"
    r"(?:kind|best|warm) regards|regards|yours (?:sincerely|faithfully|truly)|i would be (?:very )?grateful if|"
    r"i look forward to (?:hearing from you|your reply))\b"
    r"|尊敬的(?:各位)?(?:领导|市长|书记|工作人员|同志|有关部门|相关部门)们?|(?:领导|各位|你们)?您?好[！!，,]|您好|你好|"
    r"此致敬礼|此致|敬礼|(?:非常|十分|万分)?(?:感谢|谢谢)(?:您|你们|领导|各位)?|辛苦了|麻烦(?:您|你们)?了|"
    r"盼复|(?:望|请|期待)(?:早日|尽快)?(?:回复|答复)",
    regex.IGNORECASE,
)
LONG_MESSAGE_TOKENS = 30
# A long message is also read sentence by sentence (rasa_components/clauses.py): its sentences travel
# through the pipeline after it, as messages marked with CLAUSE_OF, so DIET reads each one as it reads a
# short message. A message of more sentences is read in at most MAX_CLAUSES runs of consecutive ones.
CLAUSE_OF = "huiyin_clause_of"
SENTENCE_END = regex.compile(r"(?<=[.!?;])\s+|(?<=[。！？；…])\s*|\s*\n\s*")
MAX_CLAUSES = 12


def simplified_text(text: str) -> str:
    """Every run of Chinese in `text` in simplified characters (same length; cases.guards.cleaning.simplified: a
    run whose conversion would change its length is kept as written, so offsets point into the resident's text)."""
    return HAN_RUN.sub(lambda run: simplified(run.group()), text)


def sentences(text: str) -> List[str]:
    """The sentences of a long message (none if it is one sentence), at most MAX_CLAUSES of them: a longer
    message is cut into MAX_CLAUSES runs of consecutive sentences."""
    found = [piece.strip() for piece in SENTENCE_END.split(text) if piece and WORDLIKE.search(piece)]
    if len(found) < 2:
        return []
    size = -(-len(found) // MAX_CLAUSES)  # ceiling: sentences per run
    return [" ".join(found[start:start + size]) for start in range(0, len(found), size)]


class Word(Token):
    """A Token that works out its fingerprint once.

    Rasa's training fingerprints the whole training data after every component, every token of every
    example each time (about 8 s of a training here, most of it for the long letters' tokens). A token's
    fingerprint changes only when it is `set`, so it is kept until then.
    """

    _fingerprint: Optional[str] = None

    def set(self, prop: Text, info: Any) -> None:
        self._fingerprint = None
        super().set(prop, info)

    def fingerprint(self) -> Text:
        if self._fingerprint is None:
            self._fingerprint = super().fingerprint()
        return self._fingerprint


def _word(token: Token) -> Word:
    return Word(token.text, token.start, token.end, token.data, token.lemma)


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO on every start
    return jieba


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer for English, jieba for runs of Chinese characters, in the same message."""

    @staticmethod
    def not_supported_languages() -> Optional[List[Text]]:
        """None: the script of each message decides, not the config."""
        return None

    @staticmethod
    def required_packages() -> List[Text]:
        """jieba cuts Chinese into words; OpenCC turns traditional characters into simplified ones."""
        return ["jieba", "opencc"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """WhitespaceTokenizer's options."""
        return WhitespaceTokenizer.get_default_config()

    def process(self, messages: List[Message]) -> List[Message]:
        """Tokenize the messages; each long one is followed by its sentences, marked as its clauses."""
        messages = super().process(messages)
        read: List[Message] = []
        for message in messages:
            read.append(message)
            if not message.get(CLAUSE_OF) and len(message.get(TOKENS_NAMES[TEXT]) or []) >= LONG_MESSAGE_TOKENS:
                read += super().process([Message(data={TEXT: text, CLAUSE_OF: True})
                                         for text in sentences(message.get(TEXT) or "")])
        return read

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """English words as WhitespaceTokenizer finds them, and each run of Chinese cut into words by jieba;
        in a long message, without the words of its greetings and politeness formulas."""
        tokens = self._words(message, attribute)
        if attribute != TEXT or len(tokens) < LONG_MESSAGE_TOKENS:
            return tokens
        text = message.get(attribute) or ""
        formulas = [match.span() for match in FORMULAS.finditer(simplified_text(text))]
        kept = [token for token in tokens if not any(start <= token.start < end for start, end in formulas)]
        return kept or tokens

    def _words(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        runs = list(HAN_RUN.finditer(text or ""))
        if not runs:
            return [_word(token) for token in super().tokenize(message, attribute)]
        # WhitespaceTokenizer must not see Chinese: its emoji pattern spans the CJK blocks and would drop
        # every Chinese word. It tokenizes the rest with the Chinese blanked out (same length, same offsets).
        masked = HAN_RUN.sub(lambda run: " " * len(run.group()), text)
        tokens = [_word(token) for token in super().tokenize(Message(data={attribute: masked}), attribute)
                  if WORDLIKE.search(token.text)]
        jieba = _jieba()
        for run in runs:
            tokens += [Word(word, run.start() + start) for word, start, _ in jieba.tokenize(simplified(run.group()))
                       if WORDLIKE.search(word)]
        return sorted(tokens, key=lambda token: token.start)
