"""Strings: character-level and word-level manipulation of Python ``str`` values.

Reversing and capitalising words, palindromes, vowel counting, run-length encoding, the Caesar
shift, common prefixes, chunking and sliding-window questions on substrings. Every atom accepts
any string, including the empty string, whitespace, punctuation and non-ASCII characters, and
says what it does with them.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "strings"
TOPIC_TITLE = "Strings"

ATOMS: list[AtomSpec] = [
    atom(
        slug="reverse_words",
        params=[("s", "str")],
        returns="str",
        difficulty=1,
        tags=["words", "string-building"],
        prompt_en="Return the words of s in reverse order, joined by single spaces. A word is a maximal run of non-whitespace characters; leading, trailing and repeated whitespace is dropped. A string without words gives an empty string.",
        prompt_zh="给定字符串 s，把其中的单词顺序颠倒，用单个空格连接后返回。单词指连续的非空白字符；开头、结尾的空白以及单词之间多余的空白都不保留。没有任何单词时返回空字符串。",
        solution="""
            def reverse_words(s: str) -> str:
                return " ".join(reversed(s.split()))
        """,
        cases=cases(
            ([""], ""),
            (["   "], ""),
            (["hello"], "hello"),
            (["hello world"], "world hello"),
            (["  the sky  is blue "], "blue is sky the"),
            (["a, b; c!"], "c! b; a,"),
            (["你好 世界"], "世界 你好"),
        ),
        modify=variant(
            change="reverse the letters of each word, keeping the word order",
            prompt_en="Reverse the characters of every word of s while keeping the words in their original order, and join them with single spaces ('hello world' gives 'olleh dlrow'). A word is a maximal run of non-whitespace characters; leading, trailing and repeated whitespace is dropped. A string without words gives an empty string.",
            prompt_zh="给定字符串 s，单词的先后顺序不变，把每个单词内部的字符倒过来，再用单个空格连接后返回（例如 'hello world' 得到 'olleh dlrow'）。单词指连续的非空白字符；开头、结尾的空白以及多余的空白都不保留。没有任何单词时返回空字符串。",
            solution="""
                def reverse_words(s: str) -> str:
                    return " ".join(w[::-1] for w in s.split())
            """,
            cases=cases(
                ([""], ""),
                (["x"], "x"),
                (["hello"], "olleh"),
                (["hello world"], "olleh dlrow"),
                (["  the sky  is blue "], "eht yks si eulb"),
                (["a, b; c!"], ",a ;b !c"),
                (["abc"], "cba"),
            ),
        ),
    ),
    atom(
        slug="is_palindrome_alnum",
        params=[("s", "str")],
        returns="bool",
        difficulty=1,
        tags=["palindrome", "two-pointer", "predicate"],
        prompt_en="Return True if s reads the same forwards and backwards once everything except letters and digits is removed and upper/lower case is ignored ('A man, a plan, a canal: Panama' is a palindrome). A string with no letters or digits, including the empty string, counts as a palindrome.",
        prompt_zh="判断字符串 s 是否为回文：只看字母和数字，忽略其他字符，也不区分大小写（例如 'A man, a plan, a canal: Panama' 是回文）。是则返回 True，否则返回 False。不含任何字母和数字的字符串（包括空串）也算回文。",
        solution="""
            def is_palindrome_alnum(s: str) -> bool:
                kept = [c.lower() for c in s if c.isalnum()]
                return kept == kept[::-1]
        """,
        cases=cases(
            ([""], True),
            (["!!"], True),
            (["a"], True),
            (["A man, a plan, a canal: Panama"], True),
            (["race a car"], False),
            (["No 'x' in Nixon"], True),
            (["12321"], True),
            (["ab"], False),
            (["Abba"], True),
        ),
        modify=variant(
            change="strict comparison: every character counts and case matters",
            prompt_en="Return True if s is exactly the same string when read backwards. Every character counts, including spaces and punctuation, and upper and lower case are different ('Abba' is not a palindrome, 'a b a' is). The empty string is a palindrome.",
            prompt_zh="判断字符串 s 倒过来读是否与原串完全相同，是则返回 True，否则返回 False。所有字符都要比较，包括空格和标点，大小写也要区分（'Abba' 不是回文，'a b a' 是）。空串算回文。",
            solution="""
                def is_palindrome_alnum(s: str) -> bool:
                    return s == s[::-1]
            """,
            cases=cases(
                ([""], True),
                (["a"], True),
                (["Abba"], False),
                (["abba"], True),
                (["A man, a plan, a canal: Panama"], False),
                (["12 21"], True),
                (["ab"], False),
                (["a b a"], True),
            ),
        ),
    ),
    atom(
        slug="count_vowels",
        params=[("s", "str")],
        returns="int",
        difficulty=1,
        tags=["counting", "characters"],
        prompt_en="Return how many characters of s are vowels, i.e. one of a, e, i, o, u in lower or upper case. The letter y is not a vowel, and accented letters such as 'é' are not counted.",
        prompt_zh="统计字符串 s 中元音字母的个数。元音指 a、e、i、o、u，大小写都算；y 不算元音，'é' 这类带重音的字母也不计入。",
        solution="""
            def count_vowels(s: str) -> int:
                return sum(1 for c in s if c in "aeiouAEIOU")
        """,
        cases=cases(
            ([""], 0),
            (["xyz"], 0),
            (["a"], 1),
            (["Hello World"], 3),
            (["AEIOUaeiou"], 10),
            (["rhythm"], 0),
            (["Programming in Python!"], 5),
            (["café"], 1),
        ),
        modify=variant(
            change="count consonants instead of vowels",
            prompt_en="Return how many characters of s are consonants: ASCII letters a-z or A-Z that are not one of the vowels a, e, i, o, u (y counts as a consonant). Digits, spaces, punctuation and non-ASCII letters are not counted.",
            prompt_zh="统计字符串 s 中辅音字母的个数。辅音指 a-z、A-Z 范围内除元音 a、e、i、o、u 以外的英文字母（y 算辅音）。数字、空格、标点以及非 ASCII 字母都不计入。",
            solution="""
                def count_vowels(s: str) -> int:
                    return sum(1 for c in s if c.isascii() and c.isalpha() and c not in "aeiouAEIOU")
            """,
            cases=cases(
                ([""], 0),
                (["xyz"], 3),
                (["a"], 0),
                (["Hello World"], 7),
                (["AEIOUaeiou"], 0),
                (["rhythm"], 6),
                (["Programming in Python!"], 14),
                (["café"], 2),
                (["123 !?"], 0),
            ),
        ),
    ),
    atom(
        slug="run_length_encode",
        params=[("s", "str")],
        returns="str",
        difficulty=2,
        tags=["run-length", "string-building", "grouping"],
        prompt_en="Run-length encode s: replace every maximal run of one repeated character with that character followed by the length of the run, written in decimal ('aaabcc' gives 'a3b1c2', twelve a's give 'a12'). The empty string gives the empty string.",
        prompt_zh="对字符串 s 做游程编码：把每一段由同一字符连续组成的最长片段，替换成该字符加上片段长度（十进制）。例如 'aaabcc' 编码为 'a3b1c2'，连续 12 个 a 编码为 'a12'。空串返回空串。",
        solution="""
            def run_length_encode(s: str) -> str:
                out = []
                i = 0
                while i < len(s):
                    j = i
                    while j < len(s) and s[j] == s[i]:
                        j += 1
                    out.append(s[i] + str(j - i))
                    i = j
                return "".join(out)
        """,
        cases=cases(
            ([""], ""),
            (["a"], "a1"),
            (["aaabcc"], "a3b1c2"),
            (["abc"], "a1b1c1"),
            (["aaaaaaaaaaaa"], "a12"),
            (["aabbaa"], "a2b2a2"),
            (["  !!"], " 2!2"),
            (["AaA"], "A1a1A1"),
        ),
        modify=variant(
            change="runs of length 1 are written without a count",
            prompt_en="Run-length encode s, but write a count only for runs longer than one: every maximal run of one repeated character becomes that character followed by the run length, except that a run of length 1 is just the character ('aaabcc' gives 'a3bc2'). The empty string gives the empty string.",
            prompt_zh="对字符串 s 做游程编码，但只给长度大于 1 的片段写次数：每段由同一字符连续组成的最长片段写成该字符加上片段长度，长度为 1 的片段只写字符本身（例如 'aaabcc' 编码为 'a3bc2'）。空串返回空串。",
            solution="""
                def run_length_encode(s: str) -> str:
                    out = []
                    i = 0
                    while i < len(s):
                        j = i
                        while j < len(s) and s[j] == s[i]:
                            j += 1
                        out.append(s[i] + (str(j - i) if j - i > 1 else ""))
                        i = j
                    return "".join(out)
            """,
            cases=cases(
                ([""], ""),
                (["a"], "a"),
                (["aaabcc"], "a3bc2"),
                (["abc"], "abc"),
                (["aaaaaaaaaaaa"], "a12"),
                (["aabbaa"], "a2b2a2"),
                (["xyyz"], "xy2z"),
            ),
        ),
    ),
    atom(
        slug="caesar_shift",
        params=[("s", "str"), ("k", "int")],
        returns="str",
        difficulty=2,
        tags=["cipher", "modular-arithmetic", "characters"],
        prompt_en="Apply a Caesar shift to s: move every ASCII letter k places forward in the alphabet, wrapping around from z to a, and keep its case ('xyz' with k = 3 gives 'abc'). k may be negative (shift backwards) or larger than 26. All other characters, including digits and non-ASCII letters, stay unchanged.",
        prompt_zh="对字符串 s 做凯撒移位：把每个 ASCII 英文字母在字母表中向后移动 k 位，超过 z 就从 a 接着数，大小写保持不变（例如 'xyz' 移 3 位得到 'abc'）。k 可以是负数（向前移），也可以大于 26。其他字符（包括数字和非 ASCII 字母）原样保留。",
        solution="""
            def caesar_shift(s: str, k: int) -> str:
                out = []
                for c in s:
                    if "a" <= c <= "z":
                        out.append(chr((ord(c) - ord("a") + k) % 26 + ord("a")))
                    elif "A" <= c <= "Z":
                        out.append(chr((ord(c) - ord("A") + k) % 26 + ord("A")))
                    else:
                        out.append(c)
                return "".join(out)
        """,
        cases=cases(
            (["", 5], ""),
            (["abc", 1], "bcd"),
            (["xyz", 3], "abc"),
            (["Hello, World!", 13], "Uryyb, Jbeyq!"),
            (["abc", -1], "zab"),
            (["abc", 52], "abc"),
            (["Zebra 123", 27], "Afcsb 123"),
            (["ñandú", 1], "ñboeú"),
        ),
        modify=variant(
            change="digits are shifted too, cyclically within 0-9",
            prompt_en="Apply a Caesar shift to s that also moves digits: every ASCII letter moves k places forward in the alphabet (wrapping from z to a, keeping its case) and every digit 0-9 moves k places forward among the ten digits (wrapping from 9 to 0, so '9' with k = 1 gives '0'). k may be negative or large. All other characters stay unchanged.",
            prompt_zh="对字符串 s 做一种连数字也一起移动的凯撒移位：每个 ASCII 英文字母在字母表中向后移 k 位（超过 z 从 a 接着数，大小写不变）；每个数字 0-9 也在十个数字里向后移 k 位（超过 9 从 0 接着数，例如 '9' 移 1 位得到 '0'）。k 可以是负数，也可以很大。其他字符原样保留。",
            solution="""
                def caesar_shift(s: str, k: int) -> str:
                    out = []
                    for c in s:
                        if "a" <= c <= "z":
                            out.append(chr((ord(c) - ord("a") + k) % 26 + ord("a")))
                        elif "A" <= c <= "Z":
                            out.append(chr((ord(c) - ord("A") + k) % 26 + ord("A")))
                        elif "0" <= c <= "9":
                            out.append(chr((ord(c) - ord("0") + k) % 10 + ord("0")))
                        else:
                            out.append(c)
                    return "".join(out)
            """,
            cases=cases(
                (["", 5], ""),
                (["abc", 1], "bcd"),
                (["Zebra 123", 27], "Afcsb 890"),
                (["a9", 1], "b0"),
                (["2024", -3], "9791"),
                (["Hello", 0], "Hello"),
                (["x1y2", 100], "t1u2"),
            ),
        ),
    ),
    atom(
        slug="capitalize_words",
        params=[("s", "str")],
        returns="str",
        difficulty=1,
        tags=["words", "case-conversion", "string-building"],
        prompt_en="Capitalise every word of s: its first character in upper case and the rest in lower case ('hello wORLD' gives 'Hello World'). Words are separated by spaces only, and every space stays exactly where it was, runs of spaces included. A word that starts with a non-letter just has its remaining letters lower-cased.",
        prompt_zh="把字符串 s 中每个单词改成首字母大写、其余字母小写的形式（例如 'hello wORLD' 变成 'Hello World'）。单词只以空格分隔，所有空格都原样保留，连续的多个空格也不合并。如果单词以非字母开头，只需把其余字母改成小写。",
        solution="""
            def capitalize_words(s: str) -> str:
                return " ".join(w[:1].upper() + w[1:].lower() for w in s.split(" "))
        """,
        cases=cases(
            ([""], ""),
            (["hello"], "Hello"),
            (["hello wORLD"], "Hello World"),
            (["  mIxEd   CASE "], "  Mixed   Case "),
            (["123abc def"], "123abc Def"),
            (["a b c"], "A B C"),
            (["o'neil mcDONALD"], "O'neil Mcdonald"),
        ),
        modify=variant(
            change="short words (fewer than 4 characters) are written all in lower case",
            prompt_en="Capitalise the words of s in headline style: a word of 4 or more characters gets its first character in upper case and the rest in lower case, while a shorter word is written entirely in lower case ('the lord of the rings' gives 'the Lord of the Rings'). Words are separated by spaces only, and every space stays exactly where it was.",
            prompt_zh="按标题风格处理字符串 s 中的单词：长度不少于 4 个字符的单词改成首字母大写、其余小写；更短的单词全部改成小写（例如 'the lord of the rings' 变成 'the Lord of the Rings'）。单词只以空格分隔，所有空格都原样保留。",
            solution="""
                def capitalize_words(s: str) -> str:
                    return " ".join(
                        w[:1].upper() + w[1:].lower() if len(w) >= 4 else w.lower() for w in s.split(" ")
                    )
            """,
            cases=cases(
                ([""], ""),
                (["hello"], "Hello"),
                (["the lord of the rings"], "the Lord of the Rings"),
                (["  mIxEd   CASE "], "  Mixed   Case "),
                (["A b C"], "a b c"),
                (["war AND peace"], "war and Peace"),
                (["IT is ok"], "it is ok"),
            ),
        ),
    ),
    atom(
        slug="longest_common_prefix",
        params=[("words", "list[str]")],
        returns="str",
        difficulty=2,
        tags=["prefix", "comparison"],
        prompt_en="Return the longest string that is a prefix of every string in words (['flower', 'flow', 'flight'] gives 'fl'). If the strings share no prefix, return ''. An empty list also gives ''.",
        prompt_zh="给定字符串列表 words，返回所有字符串共有的最长前缀（例如 ['flower', 'flow', 'flight'] 返回 'fl'）。没有公共前缀时返回空串；列表为空时也返回空串。",
        solution="""
            def longest_common_prefix(words: list[str]) -> str:
                if not words:
                    return ""
                prefix = []
                for chars in zip(*words):
                    if all(c == chars[0] for c in chars):
                        prefix.append(chars[0])
                    else:
                        break
                return "".join(prefix)
        """,
        cases=cases(
            ([[]], ""),
            ([["alone"]], "alone"),
            ([["flower", "flow", "flight"]], "fl"),
            ([["dog", "racecar", "car"]], ""),
            ([["same", "same"]], "same"),
            ([["", "abc"]], ""),
            ([["interview", "internet", "interval"]], "inter"),
            ([["ab", "a"]], "a"),
        ),
        modify=variant(
            change="longest common suffix instead of prefix",
            prompt_en="Return the longest string that is a suffix (an ending) of every string in words (['walking', 'talking', 'king'] gives 'king'). If the strings share no suffix, return ''. An empty list also gives ''.",
            prompt_zh="给定字符串列表 words，返回所有字符串共有的最长后缀，也就是它们共同的结尾部分（例如 ['walking', 'talking', 'king'] 返回 'king'）。没有公共后缀时返回空串；列表为空时也返回空串。",
            solution="""
                def longest_common_prefix(words: list[str]) -> str:
                    if not words:
                        return ""
                    suffix = []
                    for chars in zip(*(w[::-1] for w in words)):
                        if all(c == chars[0] for c in chars):
                            suffix.append(chars[0])
                        else:
                            break
                    return "".join(reversed(suffix))
            """,
            cases=cases(
                ([[]], ""),
                ([["alone"]], "alone"),
                ([["walking", "talking", "king"]], "king"),
                ([["flower", "flow", "flight"]], ""),
                ([["same", "same"]], "same"),
                ([["", "abc"]], ""),
                ([["ab", "b"]], "b"),
                ([["nation", "station", "ion"]], "ion"),
            ),
        ),
    ),
    atom(
        slug="longest_unique_substring_len",
        params=[("s", "str")],
        returns="int",
        difficulty=3,
        tags=["sliding-window", "substring"],
        prompt_en="Return the length of the longest substring of s (a contiguous run of characters) in which no character occurs more than once ('abcabcbb' gives 3, for 'abc'). Every character counts, spaces included, and case matters. The empty string gives 0.",
        prompt_zh="给定字符串 s，返回其中不含重复字符的最长子串（连续的一段字符）的长度（例如 'abcabcbb' 返回 3，对应 'abc'）。所有字符都算，包括空格，大小写也要区分。空串返回 0。",
        solution="""
            def longest_unique_substring_len(s: str) -> int:
                last = {}
                start = 0
                best = 0
                for i, c in enumerate(s):
                    if c in last and last[c] >= start:
                        start = last[c] + 1
                    last[c] = i
                    best = max(best, i - start + 1)
                return best
        """,
        cases=cases(
            ([""], 0),
            (["a"], 1),
            (["aaaa"], 1),
            (["abcabcbb"], 3),
            (["pwwkew"], 3),
            (["abcdef"], 6),
            (["dvdf"], 3),
            (["abba"], 2),
            (["a b c"], 3),
        ),
        modify=variant(
            change="each character may occur up to twice in the substring",
            prompt_en="Return the length of the longest substring of s (a contiguous run of characters) in which no character occurs more than twice ('aaaa' gives 2, 'abcabcbb' gives 6, for 'abcabc'). Every character counts, spaces included, and case matters. The empty string gives 0.",
            prompt_zh="给定字符串 s，返回其中每个字符最多出现两次的最长子串（连续的一段字符）的长度（例如 'aaaa' 返回 2，'abcabcbb' 返回 6，对应 'abcabc'）。所有字符都算，包括空格，大小写也要区分。空串返回 0。",
            solution="""
                def longest_unique_substring_len(s: str) -> int:
                    counts = {}
                    start = 0
                    best = 0
                    for i, c in enumerate(s):
                        counts[c] = counts.get(c, 0) + 1
                        while counts[c] > 2:
                            counts[s[start]] -= 1
                            start += 1
                        best = max(best, i - start + 1)
                    return best
            """,
            cases=cases(
                ([""], 0),
                (["a"], 1),
                (["aaaa"], 2),
                (["abcabcbb"], 6),
                (["pwwkew"], 5),
                (["abba"], 4),
                (["aabbccaa"], 6),
                (["aaabaaa"], 3),
            ),
        ),
    ),
    atom(
        slug="split_into_chunks",
        params=[("s", "str"), ("k", "int")],
        returns="list[str]",
        difficulty=1,
        tags=["chunking", "slicing"],
        prompt_en="Split s into consecutive pieces of k characters, from left to right; the last piece may be shorter ('abcdefg' with k = 3 gives ['abc', 'def', 'g']). A k below 1 is treated as 1. The empty string gives an empty list.",
        prompt_zh="把字符串 s 从左到右切成每段 k 个字符的若干段，最后一段可以不足 k 个（例如 'abcdefg'、k = 3 得到 ['abc', 'def', 'g']）。k 小于 1 时按 1 处理。空串返回空列表。",
        solution="""
            def split_into_chunks(s: str, k: int) -> list[str]:
                k = max(k, 1)
                return [s[i:i + k] for i in range(0, len(s), k)]
        """,
        cases=cases(
            (["", 3], []),
            (["abcdefg", 3], ["abc", "def", "g"]),
            (["abcdef", 2], ["ab", "cd", "ef"]),
            (["abc", 0], ["a", "b", "c"]),
            (["abc", -2], ["a", "b", "c"]),
            (["abc", 10], ["abc"]),
            (["a b c", 2], ["a ", "b ", "c"]),
        ),
        modify=variant(
            change="pieces are aligned from the right, so the first piece may be shorter",
            prompt_en="Split s into consecutive pieces of k characters aligned from the right end, the way digits are grouped in thousands: every piece has exactly k characters except the first, which may be shorter ('1234567' with k = 3 gives ['1', '234', '567']). A k below 1 is treated as 1. The empty string gives an empty list.",
            prompt_zh="把字符串 s 切成每段 k 个字符的若干段，但从右往左对齐，就像数字按千位分组那样：除第一段外每段都恰好 k 个字符，第一段可以不足 k 个（例如 '1234567'、k = 3 得到 ['1', '234', '567']）。k 小于 1 时按 1 处理。空串返回空列表。",
            solution="""
                def split_into_chunks(s: str, k: int) -> list[str]:
                    k = max(k, 1)
                    head = len(s) % k
                    pieces = [s[:head]] if head else []
                    pieces.extend(s[i:i + k] for i in range(head, len(s), k))
                    return pieces
            """,
            cases=cases(
                (["", 3], []),
                (["abcdefg", 3], ["a", "bcd", "efg"]),
                (["1234567", 3], ["1", "234", "567"]),
                (["abcdef", 2], ["ab", "cd", "ef"]),
                (["abc", 0], ["a", "b", "c"]),
                (["abc", 10], ["abc"]),
                (["abcde", 2], ["a", "bc", "de"]),
            ),
        ),
    ),
    atom(
        slug="longest_string",
        params=[("words", "list[str]")],
        returns="str",
        difficulty=1,
        tags=["max", "scan"],
        prompt_en="Return the longest string in words. If several strings share the maximum length, return the one that comes first in the list. An empty list gives ''.",
        prompt_zh="给定字符串列表 words，返回其中最长的字符串。若有多个字符串一样长且都是最长，返回在列表中最先出现的那个。列表为空时返回空串。",
        solution="""
            def longest_string(words: list[str]) -> str:
                best = ""
                for w in words:
                    if len(w) > len(best):
                        best = w
                return best
        """,
        cases=cases(
            ([[]], ""),
            ([["a"]], "a"),
            ([["apple", "fig", "banana"]], "banana"),
            ([["one", "two", "six"]], "one"),
            ([["", ""]], ""),
            ([["hi", "hello", "world"]], "hello"),
            ([["ab", "  ", "c"]], "ab"),
        ),
        modify=variant(
            change="shortest string instead of the longest",
            prompt_en="Return the shortest string in words. If several strings share the minimum length, return the one that comes first in the list. An empty list gives ''.",
            prompt_zh="给定字符串列表 words，返回其中最短的字符串。若有多个字符串一样短且都是最短，返回在列表中最先出现的那个。列表为空时返回空串。",
            solution="""
                def longest_string(words: list[str]) -> str:
                    if not words:
                        return ""
                    best = words[0]
                    for w in words[1:]:
                        if len(w) < len(best):
                            best = w
                    return best
            """,
            cases=cases(
                ([[]], ""),
                ([["a"]], "a"),
                ([["apple", "fig", "banana"]], "fig"),
                ([["one", "two", "six"]], "one"),
                ([["hello", "hi", "yo"]], "hi"),
                ([["abc", "", "d"]], ""),
                ([["long", "tiny", "ok"]], "ok"),
            ),
        ),
    ),
]
