"""Dictionaries and counting: building frequency tables and querying ``dict[str, int]`` values.

Counting characters and strings, merging count tables, picking and ordering keys by value,
value ranges, most frequent elements, pair counting from frequencies, first unique characters
and prefix-sum hash maps. Dictionaries are plain JSON objects (string keys, integer values); any
list a result holds has a spelled-out order, so results never depend on dict ordering.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "dicts_counting"
TOPIC_TITLE = "Dictionaries and counting"

ATOMS: list[AtomSpec] = [
    atom(
        slug="count_characters",
        params=[("s", "str")],
        returns="dict[str, int]",
        difficulty=1,
        tags=["frequency-table", "characters"],
        prompt_en="Count how many times each character occurs in s and return a dict mapping each character to its count. Case matters ('A' and 'a' are different keys) and spaces, digits and punctuation are counted too. The empty string gives an empty dict.",
        prompt_zh="统计字符串 s 中每个字符出现的次数，返回“字符 → 次数”的字典。区分大小写（'A' 和 'a' 是不同的键），空格、数字和标点也都要统计。空串返回空字典。",
        solution="""
            def count_characters(s: str) -> dict[str, int]:
                counts = {}
                for c in s:
                    counts[c] = counts.get(c, 0) + 1
                return counts
        """,
        cases=cases(
            ([""], {}),
            (["a"], {"a": 1}),
            (["hello"], {"h": 1, "e": 1, "l": 2, "o": 1}),
            (["Aa a"], {"A": 1, "a": 2, " ": 1}),
            (["112!"], {"1": 2, "2": 1, "!": 1}),
            (["ééé"], {"é": 3}),
            (["abcabc"], {"a": 2, "b": 2, "c": 2}),
        ),
        modify=variant(
            change="only letters are counted, case-insensitively (keys in lower case)",
            prompt_en="Count how many times each letter occurs in s, ignoring case, and return a dict mapping each lower-case letter to its count ('Hi, HI!' gives {'h': 2, 'i': 2}). Only characters for which str.isalpha() is true are counted; spaces, digits and punctuation are skipped. A string without letters gives an empty dict.",
            prompt_zh="统计字符串 s 中每个字母出现的次数，不区分大小写，返回“小写字母 → 次数”的字典（例如 'Hi, HI!' 得到 {'h': 2, 'i': 2}）。只统计 str.isalpha() 为真的字符，空格、数字和标点都跳过。没有字母时返回空字典。",
            solution="""
                def count_characters(s: str) -> dict[str, int]:
                    counts = {}
                    for c in s:
                        if c.isalpha():
                            c = c.lower()
                            counts[c] = counts.get(c, 0) + 1
                    return counts
            """,
            cases=cases(
                ([""], {}),
                (["a"], {"a": 1}),
                (["hello"], {"h": 1, "e": 1, "l": 2, "o": 1}),
                (["Aa a"], {"a": 3}),
                (["112!"], {}),
                (["Hi, HI!"], {"h": 2, "i": 2}),
                (["ÉéE"], {"é": 2, "e": 1}),
            ),
        ),
    ),
    atom(
        slug="count_strings",
        params=[("words", "list[str]")],
        returns="dict[str, int]",
        difficulty=1,
        tags=["frequency-table"],
        prompt_en="Return a dict mapping each distinct string in words to the number of times it occurs in the list. Strings are compared exactly, so case and spaces matter ('A' and 'a' are different keys). An empty list gives an empty dict.",
        prompt_zh="给定字符串列表 words，返回一个字典，记录每个不同的字符串在列表中出现的次数。字符串按原样比较，大小写和空格都有区别（'A' 和 'a' 是不同的键）。空列表返回空字典。",
        solution="""
            def count_strings(words: list[str]) -> dict[str, int]:
                counts = {}
                for w in words:
                    counts[w] = counts.get(w, 0) + 1
                return counts
        """,
        cases=cases(
            ([[]], {}),
            ([["a"]], {"a": 1}),
            ([["a", "b", "a"]], {"a": 2, "b": 1}),
            ([["A", "a"]], {"A": 1, "a": 1}),
            ([["", ""]], {"": 2}),
            ([["x", "x", "x"]], {"x": 3}),
            ([["hi there", "hi"]], {"hi there": 1, "hi": 1}),
        ),
        modify=variant(
            change="count by first character instead of by whole string",
            prompt_en="Return a dict mapping each first character to the number of strings in words that start with it (['apple', 'avocado', 'banana'] gives {'a': 2, 'b': 1}). Case matters. Empty strings are counted under the key ''. An empty list gives an empty dict.",
            prompt_zh="给定字符串列表 words，按首字符分组计数：返回一个字典，键是首字符，值是以该字符开头的字符串个数（例如 ['apple', 'avocado', 'banana'] 得到 {'a': 2, 'b': 1}）。区分大小写。空字符串计在键 '' 下。空列表返回空字典。",
            solution="""
                def count_strings(words: list[str]) -> dict[str, int]:
                    counts = {}
                    for w in words:
                        counts[w[:1]] = counts.get(w[:1], 0) + 1
                    return counts
            """,
            cases=cases(
                ([[]], {}),
                ([["a"]], {"a": 1}),
                ([["apple", "avocado", "banana"]], {"a": 2, "b": 1}),
                ([["A", "a"]], {"A": 1, "a": 1}),
                ([["", ""]], {"": 2}),
                ([["hi there", "hi"]], {"h": 2}),
                ([["x", "yy", "x"]], {"x": 2, "y": 1}),
            ),
        ),
    ),
    atom(
        slug="keys_with_max_value",
        params=[("d", "dict[str, int]")],
        returns="list[str]",
        difficulty=1,
        tags=["max", "dict-scan", "ties"],
        prompt_en="Return all keys of d whose value equals the largest value in d, sorted alphabetically ({'a': 3, 'b': 5, 'c': 5} gives ['b', 'c']). An empty dict gives an empty list.",
        prompt_zh="给定字典 d，找出值等于最大值的所有键，按字母顺序排序后以列表返回（例如 {'a': 3, 'b': 5, 'c': 5} 返回 ['b', 'c']）。字典为空时返回空列表。",
        solution="""
            def keys_with_max_value(d: dict[str, int]) -> list[str]:
                if not d:
                    return []
                top = max(d.values())
                return sorted(k for k, v in d.items() if v == top)
        """,
        cases=cases(
            ([{}], []),
            ([{"a": 1}], ["a"]),
            ([{"a": 3, "b": 5, "c": 5}], ["b", "c"]),
            ([{"x": -1, "y": -2}], ["x"]),
            ([{"b": 0, "a": 0}], ["a", "b"]),
            ([{"apple": 10, "pear": 2, "fig": 10}], ["apple", "fig"]),
            ([{"z": 1000000, "a": 999999}], ["z"]),
        ),
        modify=variant(
            change="keys with the smallest value instead of the largest",
            prompt_en="Return all keys of d whose value equals the smallest value in d, sorted alphabetically ({'m': 4, 'k': 1, 'j': 1} gives ['j', 'k']). An empty dict gives an empty list.",
            prompt_zh="给定字典 d，找出值等于最小值的所有键，按字母顺序排序后以列表返回（例如 {'m': 4, 'k': 1, 'j': 1} 返回 ['j', 'k']）。字典为空时返回空列表。",
            solution="""
                def keys_with_max_value(d: dict[str, int]) -> list[str]:
                    if not d:
                        return []
                    low = min(d.values())
                    return sorted(k for k, v in d.items() if v == low)
            """,
            cases=cases(
                ([{}], []),
                ([{"a": 1}], ["a"]),
                ([{"a": 3, "b": 5, "c": 5}], ["a"]),
                ([{"x": -1, "y": -2}], ["y"]),
                ([{"b": 0, "a": 0}], ["a", "b"]),
                ([{"apple": 10, "pear": 2, "fig": 10}], ["pear"]),
                ([{"m": 4, "k": 1, "j": 1}], ["j", "k"]),
            ),
        ),
    ),
    atom(
        slug="keys_sorted_by_value",
        params=[("d", "dict[str, int]")],
        returns="list[str]",
        difficulty=2,
        tags=["custom-sort", "dict-scan", "tie-break"],
        prompt_en="Return the keys of d ordered by their values, largest value first; keys with equal values are ordered alphabetically ({'a': 3, 'b': 5, 'c': 5} gives ['b', 'c', 'a']). An empty dict gives an empty list.",
        prompt_zh="把字典 d 的键按对应的值从大到小排列后以列表返回；值相同的键按字母顺序排列（例如 {'a': 3, 'b': 5, 'c': 5} 返回 ['b', 'c', 'a']）。字典为空时返回空列表。",
        solution="""
            def keys_sorted_by_value(d: dict[str, int]) -> list[str]:
                return sorted(d, key=lambda k: (-d[k], k))
        """,
        cases=cases(
            ([{}], []),
            ([{"a": 1}], ["a"]),
            ([{"a": 3, "b": 5, "c": 5}], ["b", "c", "a"]),
            ([{"x": -1, "y": -2}], ["x", "y"]),
            ([{"b": 0, "a": 0}], ["a", "b"]),
            ([{"apple": 10, "pear": 2, "fig": 7}], ["apple", "fig", "pear"]),
            ([{"k": 2, "j": 1, "i": 3}], ["i", "k", "j"]),
        ),
        modify=variant(
            change="smallest value first",
            prompt_en="Return the keys of d ordered by their values, smallest value first; keys with equal values are ordered alphabetically ({'a': 3, 'b': 5, 'c': 5} gives ['a', 'b', 'c']). An empty dict gives an empty list.",
            prompt_zh="把字典 d 的键按对应的值从小到大排列后以列表返回；值相同的键按字母顺序排列（例如 {'a': 3, 'b': 5, 'c': 5} 返回 ['a', 'b', 'c']）。字典为空时返回空列表。",
            solution="""
                def keys_sorted_by_value(d: dict[str, int]) -> list[str]:
                    return sorted(d, key=lambda k: (d[k], k))
            """,
            cases=cases(
                ([{}], []),
                ([{"a": 1}], ["a"]),
                ([{"a": 3, "b": 5, "c": 5}], ["a", "b", "c"]),
                ([{"x": -1, "y": -2}], ["y", "x"]),
                ([{"b": 0, "a": 0}], ["a", "b"]),
                ([{"apple": 10, "pear": 2, "fig": 7}], ["pear", "fig", "apple"]),
                ([{"k": 2, "j": 1, "i": 3}], ["j", "k", "i"]),
            ),
        ),
    ),
    atom(
        slug="value_spread",
        params=[("d", "dict[str, int]")],
        returns="int",
        difficulty=1,
        tags=["aggregate", "dict-scan"],
        prompt_en="Return the difference between the largest and the smallest value in d ({'a': 3, 'b': 5, 'c': 1} gives 4). A dict with one entry gives 0, and so does an empty dict.",
        prompt_zh="返回字典 d 中最大值与最小值之差（例如 {'a': 3, 'b': 5, 'c': 1} 返回 4）。只有一个键时结果为 0，字典为空时也返回 0。",
        solution="""
            def value_spread(d: dict[str, int]) -> int:
                if not d:
                    return 0
                return max(d.values()) - min(d.values())
        """,
        cases=cases(
            ([{}], 0),
            ([{"a": 5}], 0),
            ([{"a": 3, "b": 5, "c": 1}], 4),
            ([{"x": -10, "y": 10}], 20),
            ([{"p": 7, "q": 7}], 0),
            ([{"a": 1000000, "b": -1000000}], 2000000),
            ([{"k": 0, "l": -3}], 3),
        ),
        modify=variant(
            change="sum of the values instead of max minus min",
            prompt_en="Return the sum of all values in d ({'a': 3, 'b': 5, 'c': 1} gives 9). An empty dict gives 0.",
            prompt_zh="返回字典 d 中所有值的总和（例如 {'a': 3, 'b': 5, 'c': 1} 返回 9）。字典为空时返回 0。",
            solution="""
                def value_spread(d: dict[str, int]) -> int:
                    return sum(d.values())
            """,
            cases=cases(
                ([{}], 0),
                ([{"a": 5}], 5),
                ([{"a": 3, "b": 5, "c": 1}], 9),
                ([{"x": -10, "y": 10}], 0),
                ([{"p": 7, "q": 7}], 14),
                ([{"k": 0, "l": -3}], -3),
            ),
        ),
    ),
    atom(
        slug="merge_counts",
        params=[("a", "dict[str, int]"), ("b", "dict[str, int]")],
        returns="dict[str, int]",
        difficulty=1,
        tags=["merge", "frequency-table"],
        prompt_en="Combine two count dicts: every key that appears in a or in b appears in the result, with the sum of its values from a and b; a key missing from one dict counts as 0 there ({'a': 1, 'b': 2} and {'b': 3, 'c': 4} give {'a': 1, 'b': 5, 'c': 4}).",
        prompt_zh="合并两个计数字典 a 和 b：在 a 或 b 中出现过的每个键都要出现在结果里，值为它在 a 和 b 中的值之和；某个字典里没有这个键就按 0 计算（例如 {'a': 1, 'b': 2} 和 {'b': 3, 'c': 4} 合并得到 {'a': 1, 'b': 5, 'c': 4}）。",
        solution="""
            def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
                out = dict(a)
                for k, v in b.items():
                    out[k] = out.get(k, 0) + v
                return out
        """,
        cases=cases(
            ([{}, {}], {}),
            ([{"a": 1}, {}], {"a": 1}),
            ([{}, {"b": 2}], {"b": 2}),
            ([{"a": 1, "b": 2}, {"b": 3, "c": 4}], {"a": 1, "b": 5, "c": 4}),
            ([{"x": 5}, {"x": -5}], {"x": 0}),
            ([{"k": 1000000}, {"k": 1000000}], {"k": 2000000}),
            ([{"a": 2, "b": 2}, {"a": 2, "b": 2}], {"a": 4, "b": 4}),
        ),
        modify=variant(
            change="keep the larger of the two values instead of adding them",
            prompt_en="Combine two dicts: every key that appears in a or in b appears in the result. For a key present in both, keep the larger of its two values; a key present in only one dict keeps its value from that dict as it is ({'x': 5} and {'x': -5} give {'x': 5}).",
            prompt_zh="合并两个字典 a 和 b：在 a 或 b 中出现过的每个键都要出现在结果里。两个字典都有的键，取两个值中较大的那个；只在一个字典里出现的键，直接沿用它原来的值（例如 {'x': 5} 和 {'x': -5} 合并得到 {'x': 5}）。",
            solution="""
                def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
                    out = dict(a)
                    for k, v in b.items():
                        out[k] = max(out[k], v) if k in out else v
                    return out
            """,
            cases=cases(
                ([{}, {}], {}),
                ([{"a": 1}, {}], {"a": 1}),
                ([{"a": 1, "b": 2}, {"b": 3, "c": 4}], {"a": 1, "b": 3, "c": 4}),
                ([{"x": 5}, {"x": -5}], {"x": 5}),
                ([{"k": -3}, {}], {"k": -3}),
                ([{}, {"k": -3}], {"k": -3}),
                ([{"a": 2, "b": 7}, {"a": 9, "b": 1}], {"a": 9, "b": 7}),
            ),
        ),
    ),
    atom(
        slug="most_frequent_value",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=2,
        tags=["frequency-table", "mode", "tie-break"],
        prompt_en="Return the value that occurs most often in xs. If several values are tied for the highest count, return the smallest of them ([3, 1, 3, 1] gives 1). For an empty list return 0.",
        prompt_zh="返回整数列表 xs 中出现次数最多的值。如果有几个值并列最多，返回其中最小的（例如 [3, 1, 3, 1] 返回 1）。列表为空时返回 0。",
        solution="""
            def most_frequent_value(xs: list[int]) -> int:
                if not xs:
                    return 0
                counts = {}
                for x in xs:
                    counts[x] = counts.get(x, 0) + 1
                return min(counts, key=lambda x: (-counts[x], x))
        """,
        cases=cases(
            ([[]], 0),
            ([[5]], 5),
            ([[1, 2, 2, 3]], 2),
            ([[3, 1, 3, 1]], 1),
            ([[-1, -1, 2]], -1),
            ([[4, 5, 6]], 4),
            ([[7, 7, 7, 1, 1]], 7),
            ([[1000000, 1000000, -5]], 1000000),
        ),
        modify=variant(
            change="least frequent value instead of the most frequent",
            prompt_en="Return the value that occurs least often in xs (only values that actually occur are considered). If several values are tied for the lowest count, return the smallest of them ([7, 7, 7, 1, 1] gives 1). For an empty list return 0.",
            prompt_zh="返回整数列表 xs 中出现次数最少的值（只考虑在列表中出现过的值）。如果有几个值并列最少，返回其中最小的（例如 [7, 7, 7, 1, 1] 返回 1）。列表为空时返回 0。",
            solution="""
                def most_frequent_value(xs: list[int]) -> int:
                    if not xs:
                        return 0
                    counts = {}
                    for x in xs:
                        counts[x] = counts.get(x, 0) + 1
                    return min(counts, key=lambda x: (counts[x], x))
            """,
            cases=cases(
                ([[]], 0),
                ([[5]], 5),
                ([[1, 2, 2, 3]], 1),
                ([[3, 1, 3, 1]], 1),
                ([[-1, -1, 2]], 2),
                ([[4, 5, 6]], 4),
                ([[7, 7, 7, 1, 1]], 1),
                ([[2, 2, 9, 9, 9, 3]], 3),
            ),
        ),
    ),
    atom(
        slug="count_equal_pairs",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=2,
        tags=["frequency-table", "combinatorics", "pairs"],
        prompt_en="Return the number of pairs of positions i < j with xs[i] == xs[j] ([1, 2, 1, 2, 1] has 4). The list may hold thousands of elements, so count with a frequency table rather than comparing every pair.",
        prompt_zh="返回满足 i < j 且 xs[i] == xs[j] 的下标对 (i, j) 的个数（例如 [1, 2, 1, 2, 1] 有 4 对）。列表可能有几千个元素，请借助计数表来算，不要两两比较。",
        solution="""
            def count_equal_pairs(xs: list[int]) -> int:
                counts = {}
                for x in xs:
                    counts[x] = counts.get(x, 0) + 1
                return sum(c * (c - 1) // 2 for c in counts.values())
        """,
        cases=cases(
            ([[]], 0),
            ([[1]], 0),
            ([[1, 1]], 1),
            ([[1, 2, 3]], 0),
            ([[1, 1, 1]], 3),
            ([[1, 2, 1, 2, 1]], 4),
            ([[-3, 3, -3]], 1),
            ([[0, 0, 0, 0, 0]], 10),
        ),
        modify=variant(
            change="count pairs of different values instead of equal values",
            prompt_en="Return the number of pairs of positions i < j with xs[i] != xs[j] ([1, 2, 1, 2, 1] has 6). The list may hold thousands of elements, so count with a frequency table rather than comparing every pair.",
            prompt_zh="返回满足 i < j 且 xs[i] != xs[j] 的下标对 (i, j) 的个数（例如 [1, 2, 1, 2, 1] 有 6 对）。列表可能有几千个元素，请借助计数表来算，不要两两比较。",
            solution="""
                def count_equal_pairs(xs: list[int]) -> int:
                    counts = {}
                    for x in xs:
                        counts[x] = counts.get(x, 0) + 1
                    n = len(xs)
                    return n * (n - 1) // 2 - sum(c * (c - 1) // 2 for c in counts.values())
            """,
            cases=cases(
                ([[]], 0),
                ([[1]], 0),
                ([[1, 1]], 0),
                ([[1, 2, 3]], 3),
                ([[1, 1, 1]], 0),
                ([[1, 2, 1, 2, 1]], 6),
                ([[-3, 3, -3]], 2),
                ([[5, 5, 6, 6]], 4),
            ),
        ),
    ),
    atom(
        slug="first_unique_char_index",
        params=[("s", "str")],
        returns="int",
        difficulty=2,
        tags=["frequency-table", "characters", "index"],
        prompt_en="Return the index (0-based) of the first character of s that occurs exactly once in s ('loveleetcode' gives 2, for 'v'). Case matters and spaces count as characters. If no character occurs exactly once, including for the empty string, return -1.",
        prompt_zh="返回字符串 s 中第一个只出现一次的字符的下标（从 0 开始）（例如 'loveleetcode' 返回 2，对应 'v'）。区分大小写，空格也算字符。如果没有只出现一次的字符（空串也是如此），返回 -1。",
        solution="""
            def first_unique_char_index(s: str) -> int:
                counts = {}
                for c in s:
                    counts[c] = counts.get(c, 0) + 1
                for i, c in enumerate(s):
                    if counts[c] == 1:
                        return i
                return -1
        """,
        cases=cases(
            ([""], -1),
            (["a"], 0),
            (["leetcode"], 0),
            (["loveleetcode"], 2),
            (["aabb"], -1),
            (["aabbc"], 4),
            (["Aa"], 0),
            (["  x "], 2),
        ),
        modify=variant(
            change="index of the last unique character instead of the first",
            prompt_en="Return the index (0-based) of the last character of s that occurs exactly once in s ('loveleetcode' gives 10, for 'd'). Case matters and spaces count as characters. If no character occurs exactly once, including for the empty string, return -1.",
            prompt_zh="返回字符串 s 中最后一个只出现一次的字符的下标（从 0 开始）（例如 'loveleetcode' 返回 10，对应 'd'）。区分大小写，空格也算字符。如果没有只出现一次的字符（空串也是如此），返回 -1。",
            solution="""
                def first_unique_char_index(s: str) -> int:
                    counts = {}
                    for c in s:
                        counts[c] = counts.get(c, 0) + 1
                    for i in range(len(s) - 1, -1, -1):
                        if counts[s[i]] == 1:
                            return i
                    return -1
            """,
            cases=cases(
                ([""], -1),
                (["a"], 0),
                (["leetcode"], 6),
                (["loveleetcode"], 10),
                (["aabb"], -1),
                (["aabbc"], 4),
                (["abcabd"], 5),
                (["xyx"], 1),
            ),
        ),
    ),
    atom(
        slug="count_subarrays_with_sum",
        params=[("xs", "list[int]"), ("k", "int")],
        returns="int",
        difficulty=3,
        tags=["prefix-sum", "hash-map", "subarray"],
        prompt_en="Return how many non-empty contiguous sub-lists of xs have a sum equal to k ([1, 1, 1] with k = 2 gives 2). Elements may be negative or zero. The list may hold thousands of elements, so use prefix sums with a dict of their counts instead of trying every sub-list.",
        prompt_zh="返回整数列表 xs 中元素和恰好等于 k 的非空连续子列表的个数（例如 [1, 1, 1]、k = 2 返回 2）。元素可能为负数或 0。列表可能有几千个元素，请用前缀和配合字典计数，不要枚举所有子列表。",
        solution="""
            def count_subarrays_with_sum(xs: list[int], k: int) -> int:
                seen = {0: 1}
                total = 0
                count = 0
                for x in xs:
                    total += x
                    count += seen.get(total - k, 0)
                    seen[total] = seen.get(total, 0) + 1
                return count
        """,
        cases=cases(
            ([[], 0], 0),
            ([[5], 5], 1),
            ([[1, 1, 1], 2], 2),
            ([[1, 2, 3], 3], 2),
            ([[0, 0, 0], 0], 6),
            ([[1, -1, 1, -1], 0], 4),
            ([[3, 4, 7, 2, -3, 1, 4, 2], 7], 4),
            ([[1, 2], 10], 0),
        ),
        modify=variant(
            change="length of the longest such sub-list instead of how many there are",
            prompt_en="Return the length of the longest non-empty contiguous sub-list of xs whose sum equals k, or 0 if there is none ([1, -1, 5, -2, 3] with k = 3 gives 4, for [1, -1, 5, -2]). Elements may be negative or zero. The list may hold thousands of elements, so use prefix sums with a dict instead of trying every sub-list.",
            prompt_zh="返回整数列表 xs 中元素和恰好等于 k 的最长非空连续子列表的长度，不存在时返回 0（例如 [1, -1, 5, -2, 3]、k = 3 返回 4，对应 [1, -1, 5, -2]）。元素可能为负数或 0。列表可能有几千个元素，请用前缀和配合字典来做，不要枚举所有子列表。",
            solution="""
                def count_subarrays_with_sum(xs: list[int], k: int) -> int:
                    first = {0: -1}
                    total = 0
                    best = 0
                    for i, x in enumerate(xs):
                        total += x
                        if total - k in first:
                            best = max(best, i - first[total - k])
                        if total not in first:
                            first[total] = i
                    return best
            """,
            cases=cases(
                ([[], 0], 0),
                ([[5], 5], 1),
                ([[1, 1, 1], 2], 2),
                ([[1, 2, 3], 3], 2),
                ([[0, 0, 0], 0], 3),
                ([[1, -1, 1, -1], 0], 4),
                ([[3, 4, 7, 2, -3, 1, 4, 2], 7], 4),
                ([[1, -1, 5, -2, 3], 3], 4),
                ([[1, 2], 10], 0),
            ),
        ),
    ),
]
