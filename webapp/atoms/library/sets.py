"""Sets: lists of integers (or strings) treated as sets.

Inputs are plain lists that may be empty, unsorted and full of duplicates; the atoms read them
as sets (each distinct value once) and answer with sorted lists, so no output depends on the
order the inputs happened to come in. Covers union, intersection, difference, symmetric
difference, de-duplication, subset tests, gaps in 1..n, and sets of rows and of characters.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "sets"
TOPIC_TITLE = "Sets"

ATOMS: list[AtomSpec] = [
    atom(
        slug="set_union_sorted",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["set-union", "deduplicate", "sort"],
        prompt_en="Treat the integer lists a and b as sets. Return their union: every value that occurs in a or in b (or in both), each exactly once, in ascending order. Either list may be empty or contain duplicates.",
        prompt_zh="把整数列表 a 和 b 当作集合，求二者的并集：凡是在 a 或 b 中出现过的值都要包含，每个值只出现一次，结果按从小到大排序。两个列表都可能为空，也可能有重复元素。",
        solution="""
            def set_union_sorted(a: list[int], b: list[int]) -> list[int]:
                return sorted(set(a) | set(b))
        """,
        cases=cases(
            ([[], []], []),
            ([[3, 1, 2], []], [1, 2, 3]),
            ([[], [5, 5]], [5]),
            ([[1, 2, 2, 3], [3, 4, 1]], [1, 2, 3, 4]),
            ([[-1, -5, 0], [0, 7]], [-5, -1, 0, 7]),
            ([[1000000, -1000000], [1000000]], [-1000000, 1000000]),
            ([[4], [4]], [4]),
        ),
        modify=variant(
            change="union in descending order",
            prompt_en="Treat the integer lists a and b as sets. Return their union: every value that occurs in a or in b (or in both), each exactly once, in descending order (largest first). Either list may be empty or contain duplicates.",
            prompt_zh="把整数列表 a 和 b 当作集合，求二者的并集：凡是在 a 或 b 中出现过的值都要包含，每个值只出现一次，结果按从大到小排序。两个列表都可能为空，也可能有重复元素。",
            solution="""
                def set_union_sorted(a: list[int], b: list[int]) -> list[int]:
                    return sorted(set(a) | set(b), reverse=True)
            """,
            cases=cases(
                ([[], []], []),
                ([[3, 1, 2], []], [3, 2, 1]),
                ([[], [5, 5]], [5]),
                ([[1, 2, 2, 3], [3, 4, 1]], [4, 3, 2, 1]),
                ([[-1, -5, 0], [0, 7]], [7, 0, -1, -5]),
                ([[1000000, -1000000], [1000000]], [1000000, -1000000]),
                ([[4], [4]], [4]),
            ),
        ),
    ),
    atom(
        slug="set_intersection_sorted",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["set-intersection", "deduplicate", "sort"],
        prompt_en="Treat the integer lists a and b as sets. Return their intersection: the values that occur in both lists, each exactly once, in ascending order. Return [] when they have nothing in common (or either list is empty).",
        prompt_zh="把整数列表 a 和 b 当作集合，求二者的交集：返回同时出现在 a 和 b 中的值，每个值只出现一次，按从小到大排序。没有公共元素（或有一个列表为空）时返回 []。",
        solution="""
            def set_intersection_sorted(a: list[int], b: list[int]) -> list[int]:
                return sorted(set(a) & set(b))
        """,
        cases=cases(
            ([[], [1]], []),
            ([[1, 2, 3], [4, 5]], []),
            ([[1, 2, 2, 3], [2, 2, 2, 3]], [2, 3]),
            ([[-3, -3, 0, 5], [5, -3]], [-3, 5]),
            ([[7], [7]], [7]),
            ([[1000000, 1, 1], [1, 1000000, 1000000]], [1, 1000000]),
            ([[5, 4, 3, 2, 1], [2, 4, 6]], [2, 4]),
        ),
        modify=variant(
            change="multiset intersection: common values keep their smaller multiplicity",
            prompt_en="Return the multiset intersection of the integer lists a and b: a value that occurs x times in a and y times in b appears min(x, y) times in the result. Return the values in ascending order; return [] when the lists have nothing in common.",
            prompt_zh="求整数列表 a 和 b 的“多重集合”交集：某个值在 a 中出现 x 次、在 b 中出现 y 次，则它在结果中出现 min(x, y) 次。结果按从小到大排序；没有公共元素时返回 []。",
            solution="""
                def set_intersection_sorted(a: list[int], b: list[int]) -> list[int]:
                    remaining: dict[int, int] = {}
                    for x in b:
                        remaining[x] = remaining.get(x, 0) + 1
                    out = []
                    for x in a:
                        if remaining.get(x, 0) > 0:
                            remaining[x] -= 1
                            out.append(x)
                    return sorted(out)
            """,
            cases=cases(
                ([[], [1]], []),
                ([[1, 2, 3], [4, 5]], []),
                ([[1, 2, 2, 3], [2, 2, 2, 3]], [2, 2, 3]),
                ([[-3, -3, 0, 5], [5, -3]], [-3, 5]),
                ([[7, 7], [7, 7, 7]], [7, 7]),
                ([[1000000, 1, 1], [1, 1000000, 1000000]], [1, 1000000]),
                ([[4, 4, 1, 4], [4, 1, 4, 1]], [1, 4, 4]),
            ),
        ),
    ),
    atom(
        slug="set_difference_sorted",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["set-difference", "deduplicate", "sort"],
        prompt_en="Treat the integer lists a and b as sets. Return the difference a − b: the values that occur in a but not in b, each exactly once, in ascending order.",
        prompt_zh="把整数列表 a 和 b 当作集合，求差集 a − b：返回在 a 中出现、但不在 b 中出现的值，每个值只出现一次，按从小到大排序。",
        solution="""
            def set_difference_sorted(a: list[int], b: list[int]) -> list[int]:
                return sorted(set(a) - set(b))
        """,
        cases=cases(
            ([[], [1]], []),
            ([[1, 2, 3], []], [1, 2, 3]),
            ([[3, 1, 3, 2], [2]], [1, 3]),
            ([[5, -1, 5, -7], [0]], [-7, -1, 5]),
            ([[1, 2], [1, 2, 3]], []),
            ([[1000000, 9, 1000000], [9]], [1000000]),
            ([[4, 4, 4], []], [4]),
        ),
        modify=variant(
            change="keep the order of first appearance in a instead of sorting",
            prompt_en="Return the values that occur in the integer list a but not in the list b, each exactly once, in the order in which they first appear in a (do not sort them).",
            prompt_zh="返回在整数列表 a 中出现、但不在列表 b 中出现的值，每个值只保留一次，按它们在 a 中第一次出现的顺序排列（不要排序）。",
            solution="""
                def set_difference_sorted(a: list[int], b: list[int]) -> list[int]:
                    banned = set(b)
                    seen = set()
                    out = []
                    for x in a:
                        if x not in banned and x not in seen:
                            seen.add(x)
                            out.append(x)
                    return out
            """,
            cases=cases(
                ([[], [1]], []),
                ([[1, 2, 3], []], [1, 2, 3]),
                ([[3, 1, 3, 2], [2]], [3, 1]),
                ([[5, -1, 5, -7], [0]], [5, -1, -7]),
                ([[1, 2], [1, 2, 3]], []),
                ([[1000000, 9, 1000000, -4], [9]], [1000000, -4]),
                ([[4, 4, 4], []], [4]),
            ),
        ),
    ),
    atom(
        slug="set_symmetric_difference",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["set-symmetric-difference", "deduplicate", "sort"],
        prompt_en="Treat the integer lists a and b as sets. Return their symmetric difference: the values that are in exactly one of the two sets (in a but not in b, or in b but not in a), each once, in ascending order. Duplicates inside one list do not matter.",
        prompt_zh="把整数列表 a 和 b 当作集合，求对称差：返回只属于其中一个集合的值（在 a 中而不在 b 中，或在 b 中而不在 a 中），每个值只出现一次，按从小到大排序。同一个列表内部的重复元素不影响结果。",
        solution="""
            def set_symmetric_difference(a: list[int], b: list[int]) -> list[int]:
                return sorted(set(a) ^ set(b))
        """,
        cases=cases(
            ([[], []], []),
            ([[1, 2, 3], []], [1, 2, 3]),
            ([[1, 2], [2, 3]], [1, 3]),
            ([[1, 1, 2], [3]], [1, 2, 3]),
            ([[-5, 0, 5], [5, 0, -5]], []),
            ([[1000000], [-1000000]], [-1000000, 1000000]),
            ([[2, 2], [2]], []),
            ([[9, 8, 7], [7, 7, 6]], [6, 8, 9]),
        ),
        modify=variant(
            change="count duplicates: keep values that occur exactly once across both lists",
            prompt_en="Concatenate the integer lists a and b and return the values that occur exactly once in the combined list, in ascending order. Duplicates count here: a value that appears twice in a is not returned, even if it is absent from b.",
            prompt_zh="把整数列表 a 和 b 拼接起来，返回在拼接后的列表中恰好出现一次的值，按从小到大排序。这里重复是要计数的：某个值在 a 中出现了两次，即使 b 中没有它，也不应返回。",
            solution="""
                def set_symmetric_difference(a: list[int], b: list[int]) -> list[int]:
                    counts: dict[int, int] = {}
                    for x in a + b:
                        counts[x] = counts.get(x, 0) + 1
                    return sorted(x for x, c in counts.items() if c == 1)
            """,
            cases=cases(
                ([[], []], []),
                ([[1, 2, 3], []], [1, 2, 3]),
                ([[1, 2], [2, 3]], [1, 3]),
                ([[1, 1, 2], [3]], [2, 3]),
                ([[-5, 0, 5], [5, 0, -5]], []),
                ([[1000000], [-1000000, 4, 4]], [-1000000, 1000000]),
                ([[2, 2], []], []),
                ([[9, 8, 7], [7, 7, 6]], [6, 8, 9]),
            ),
        ),
    ),
    atom(
        slug="distinct_sorted",
        params=[("nums", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["deduplicate", "sort"],
        prompt_en="Return the set of values in the integer list nums as a list: each distinct value exactly once, in ascending order. An empty list gives [].",
        prompt_zh="把整数列表 nums 转成集合后再以列表形式返回：每个不同的值只保留一次，按从小到大排序。空列表返回 []。",
        solution="""
            def distinct_sorted(nums: list[int]) -> list[int]:
                return sorted(set(nums))
        """,
        cases=cases(
            ([[]], []),
            ([[5]], [5]),
            ([[3, 1, 3, 2, 1]], [1, 2, 3]),
            ([[-2, -2, -2]], [-2]),
            ([[0, -1, 1, 0]], [-1, 0, 1]),
            ([[1000000, -1000000, 1000000]], [-1000000, 1000000]),
            ([[4, 3, 2, 1]], [1, 2, 3, 4]),
        ),
        modify=variant(
            change="keep only the values that are not duplicated",
            prompt_en="Return the values that occur exactly once in the integer list nums, in ascending order. Values that appear two or more times are dropped entirely. An empty list gives [].",
            prompt_zh="返回整数列表 nums 中只出现过一次的值，按从小到大排序；出现两次及以上的值一律不要。空列表返回 []。",
            solution="""
                def distinct_sorted(nums: list[int]) -> list[int]:
                    counts: dict[int, int] = {}
                    for x in nums:
                        counts[x] = counts.get(x, 0) + 1
                    return sorted(x for x, c in counts.items() if c == 1)
            """,
            cases=cases(
                ([[]], []),
                ([[5]], [5]),
                ([[3, 1, 3, 2, 1]], [2]),
                ([[-2, -2, -2]], []),
                ([[0, -1, 1, 0]], [-1, 1]),
                ([[1000000, -1000000, 1000000]], [-1000000]),
                ([[4, 3, 2, 1]], [1, 2, 3, 4]),
            ),
        ),
    ),
    atom(
        slug="missing_in_one_to_n",
        params=[("nums", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["set-membership", "range", "missing-values"],
        prompt_en="Let n be the length of the integer list nums. Return, in ascending order, the integers from 1 to n (inclusive) that do not occur in nums. Values outside 1..n are ignored; an empty list gives [].",
        prompt_zh="设 n 为整数列表 nums 的长度。找出 1 到 n（含两端）之间没有在 nums 中出现的整数，按从小到大的顺序返回。不在 1..n 范围内的值直接忽略；空列表返回 []。",
        solution="""
            def missing_in_one_to_n(nums: list[int]) -> list[int]:
                present = set(nums)
                return [k for k in range(1, len(nums) + 1) if k not in present]
        """,
        cases=cases(
            ([[]], []),
            ([[1]], []),
            ([[2]], [1]),
            ([[4, 3, 2, 7, 8, 2, 3, 1]], [5, 6]),
            ([[-1, 0, 1000000]], [1, 2, 3]),
            ([[1, 1, 1]], [2, 3]),
            ([[3, 1, 2]], []),
            ([[5, 5, 5, 5, 5]], [1, 2, 3, 4]),
        ),
        modify=variant(
            change="the range is 0..n instead of 1..n",
            prompt_en="Let n be the length of the integer list nums. Return, in ascending order, the integers from 0 to n (inclusive) that do not occur in nums. Values outside 0..n are ignored; an empty list gives [0].",
            prompt_zh="设 n 为整数列表 nums 的长度。找出 0 到 n（含两端）之间没有在 nums 中出现的整数，按从小到大的顺序返回。不在 0..n 范围内的值直接忽略；空列表返回 [0]。",
            solution="""
                def missing_in_one_to_n(nums: list[int]) -> list[int]:
                    present = set(nums)
                    return [k for k in range(0, len(nums) + 1) if k not in present]
            """,
            cases=cases(
                ([[]], [0]),
                ([[1]], [0]),
                ([[0]], [1]),
                ([[4, 3, 2, 7, 8, 2, 3, 1]], [0, 5, 6]),
                ([[-1, 0, 1000000]], [1, 2, 3]),
                ([[1, 1, 1]], [0, 2, 3]),
                ([[3, 1, 2, 0]], [4]),
            ),
        ),
    ),
    atom(
        slug="is_subset",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="bool",
        difficulty=1,
        tags=["subset", "set-membership"],
        prompt_en="Treat the integer lists a and b as sets. Return True if a is a subset of b, i.e. every value of a also occurs in b; otherwise return False. Duplicates are irrelevant, and the empty set is a subset of every set.",
        prompt_zh="把整数列表 a 和 b 当作集合，判断 a 是否为 b 的子集，即 a 中的每个值是否都在 b 中出现过：是则返回 True，否则返回 False。重复元素不影响判断；空集是任何集合的子集。",
        solution="""
            def is_subset(a: list[int], b: list[int]) -> bool:
                return set(a) <= set(b)
        """,
        cases=cases(
            ([[], []], True),
            ([[], [1]], True),
            ([[1, 2], [2, 1]], True),
            ([[1, 1, 2], [1, 2, 3]], True),
            ([[4], [1, 2, 3]], False),
            ([[-1, -1], [-1]], True),
            ([[1000000], [1000000, 0]], True),
            ([[1, 2, 3], [1, 2]], False),
        ),
        modify=variant(
            change="proper subset: b must also contain something a lacks",
            prompt_en="Treat the integer lists a and b as sets. Return True if a is a proper subset of b: every value of a occurs in b and b has at least one value that a does not have. Otherwise return False. Duplicates are irrelevant; equal sets give False.",
            prompt_zh="把整数列表 a 和 b 当作集合，判断 a 是否为 b 的真子集：a 的每个值都在 b 中，并且 b 至少有一个 a 没有的值。满足则返回 True，否则返回 False。重复元素不影响判断；两个集合相等时返回 False。",
            solution="""
                def is_subset(a: list[int], b: list[int]) -> bool:
                    return set(a) < set(b)
            """,
            cases=cases(
                ([[], []], False),
                ([[], [1]], True),
                ([[1, 2], [2, 1]], False),
                ([[1, 1, 2], [1, 2, 3]], True),
                ([[4], [1, 2, 3]], False),
                ([[-1, -1], [-1]], False),
                ([[1000000], [1000000, 0]], True),
            ),
        ),
    ),
    atom(
        slug="common_to_all_rows",
        params=[("rows", "list[list[int]]")],
        returns="list[int]",
        difficulty=2,
        tags=["set-intersection", "nested-lists", "sort"],
        prompt_en="rows is a list of integer lists. Return the values that occur in every row, each once, in ascending order. If there are no rows, or any row is empty, return [].",
        prompt_zh="rows 是由若干整数列表组成的列表。返回在每一行中都出现过的值，每个值只出现一次，按从小到大排序。如果没有任何行，或者某一行为空，返回 []。",
        solution="""
            def common_to_all_rows(rows: list[list[int]]) -> list[int]:
                if not rows:
                    return []
                common = set(rows[0])
                for row in rows[1:]:
                    common &= set(row)
                return sorted(common)
        """,
        cases=cases(
            ([[]], []),
            ([[[3, 1, 2, 1]]], [1, 2, 3]),
            ([[[1, 2, 3], [2, 3, 4], [3, 5]]], [3]),
            ([[[1, 2], []]], []),
            ([[[5, 5], [5]]], [5]),
            ([[[-1, 0], [0, -1], [-1]]], [-1]),
            ([[[1000000, 1], [1, 1000000], [1000000]]], [1000000]),
            ([[[1, 2], [3, 4]]], []),
        ),
        modify=variant(
            change="values present in at least two rows instead of in all rows",
            prompt_en="rows is a list of integer lists. Return the values that occur in at least two different rows, each once, in ascending order. Repeats inside a single row do not count as a second row. Return [] if there are no such values.",
            prompt_zh="rows 是由若干整数列表组成的列表。返回至少在两个不同的行中出现过的值，每个值只出现一次，按从小到大排序。同一行里重复出现不算出现在两行中。没有这样的值时返回 []。",
            solution="""
                def common_to_all_rows(rows: list[list[int]]) -> list[int]:
                    counts: dict[int, int] = {}
                    for row in rows:
                        for x in set(row):
                            counts[x] = counts.get(x, 0) + 1
                    return sorted(x for x, c in counts.items() if c >= 2)
            """,
            cases=cases(
                ([[]], []),
                ([[[3, 1, 2, 1]]], []),
                ([[[1, 2, 3], [2, 3, 4], [3, 5]]], [2, 3]),
                ([[[1, 2], []]], []),
                ([[[5, 5], [5]]], [5]),
                ([[[-1, 0], [0, -1], [-1]]], [-1, 0]),
                ([[[1000000, 1], [1, 1000000], [1000000]]], [1, 1000000]),
                ([[[1, 2], [3, 4], [4, 1]]], [1, 4]),
            ),
        ),
    ),
    atom(
        slug="common_letters",
        params=[("words", "list[str]")],
        returns="list[str]",
        difficulty=2,
        tags=["set-intersection", "characters", "sort"],
        prompt_en="Return the characters that occur in every string of the list words, each once, sorted in ascending order (plain string comparison, so uppercase letters come before lowercase). Comparison is case-sensitive and any character counts, including spaces. An empty list gives [].",
        prompt_zh="返回在列表 words 的每一个字符串中都出现过的字符，每个字符只出现一次，按字符串的默认大小顺序升序排列（因此大写字母排在小写字母前面）。区分大小写，任何字符（包括空格）都算。空列表返回 []。",
        solution="""
            def common_letters(words: list[str]) -> list[str]:
                if not words:
                    return []
                common = set(words[0])
                for w in words[1:]:
                    common &= set(w)
                return sorted(common)
        """,
        cases=cases(
            ([[]], []),
            ([["banana"]], ["a", "b", "n"]),
            ([["bella", "label", "roller"]], ["e", "l"]),
            ([["abc", ""]], []),
            ([["Aa", "a"]], ["a"]),
            ([["hello world", "low"]], ["l", "o", "w"]),
            ([["日本", "本日"]], ["日", "本"]),
            ([["x", "y", "z"]], []),
        ),
        modify=variant(
            change="characters found in exactly one of the words instead of in all",
            prompt_en="Return the characters that occur in exactly one string of the list words (a character repeated inside that one string still counts), each once, sorted in ascending order (plain string comparison). Comparison is case-sensitive and any character counts, including spaces. An empty list gives [].",
            prompt_zh="返回只在列表 words 的某一个字符串中出现过的字符（在那一个字符串里重复出现也算），每个字符只出现一次，按字符串的默认大小顺序升序排列。区分大小写，任何字符（包括空格）都算。空列表返回 []。",
            solution="""
                def common_letters(words: list[str]) -> list[str]:
                    counts: dict[str, int] = {}
                    for w in words:
                        for ch in set(w):
                            counts[ch] = counts.get(ch, 0) + 1
                    return sorted(ch for ch, c in counts.items() if c == 1)
            """,
            cases=cases(
                ([[]], []),
                ([["banana"]], ["a", "b", "n"]),
                ([["bella", "label", "roller"]], ["o", "r"]),
                ([["abc", ""]], ["a", "b", "c"]),
                ([["Aa", "a"]], ["A"]),
                ([["hello world", "low"]], [" ", "d", "e", "h", "r"]),
                ([["日本", "本日"]], []),
                ([["x", "y", "z"]], ["x", "y", "z"]),
            ),
        ),
    ),
    atom(
        slug="count_common_distinct",
        params=[("a", "list[int]"), ("b", "list[int]")],
        returns="int",
        difficulty=1,
        tags=["set-intersection", "counting"],
        prompt_en="Return how many distinct values occur in both integer lists a and b, i.e. the size of the intersection of the two lists taken as sets. Duplicates count once; return 0 if either list is empty.",
        prompt_zh="把整数列表 a 和 b 看作集合，返回它们交集的大小，也就是同时出现在两个列表中的不同值有多少个。重复的值只算一次；任一列表为空时返回 0。",
        solution="""
            def count_common_distinct(a: list[int], b: list[int]) -> int:
                return len(set(a) & set(b))
        """,
        cases=cases(
            ([[], []], 0),
            ([[1, 2, 3], []], 0),
            ([[1, 1, 2], [1, 1]], 1),
            ([[1, 2, 3], [3, 2, 1]], 3),
            ([[-1, -2], [-2, -3]], 1),
            ([[1000000, 5], [1000000]], 1),
            ([[7, 7, 7], [7]], 1),
            ([[1, 2, 3, 4], [3, 4, 5, 6]], 2),
        ),
        modify=variant(
            change="count the values in exactly one of the sets (symmetric difference size)",
            prompt_en="Treat the integer lists a and b as sets and return how many distinct values belong to exactly one of them (in a but not in b, or in b but not in a). Duplicates count once; two empty lists give 0.",
            prompt_zh="把整数列表 a 和 b 看作集合，返回只属于其中一个集合的不同值的个数（在 a 中而不在 b 中，或在 b 中而不在 a 中）。重复的值只算一次；两个列表都为空时返回 0。",
            solution="""
                def count_common_distinct(a: list[int], b: list[int]) -> int:
                    return len(set(a) ^ set(b))
            """,
            cases=cases(
                ([[], []], 0),
                ([[1, 2, 3], []], 3),
                ([[1, 1, 2], [1, 1]], 1),
                ([[1, 2, 3], [3, 2, 1]], 0),
                ([[-1, -2], [-2, -3]], 2),
                ([[1000000, 5], [1000000]], 1),
                ([[7, 7, 7], [7]], 0),
                ([[1, 2, 3, 4], [3, 4, 5, 6]], 4),
            ),
        ),
    ),
]
