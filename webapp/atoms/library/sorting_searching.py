"""Sorting and searching: ordering lists by custom keys and locating values in ordered data.

Sorting by absolute value, length, digit sum or frequency, argsort and ranking, order statistics,
insertion points (binary search), nearest values and inversion counting. Tie-breaking rules are
always spelled out, so every atom has exactly one correct answer, and atoms that conceptually
expect sorted input work on the sorted copy so that they stay total on any list.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "sorting_searching"
TOPIC_TITLE = "Sorting and searching"

ATOMS: list[AtomSpec] = [
    atom(
        slug="sort_by_abs",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["custom-sort", "key-function"],
        prompt_en="Return xs sorted by absolute value, smallest first. When two numbers have the same absolute value, the negative one comes first ([-3, 1, -2, 2] gives [1, -2, 2, -3]).",
        prompt_zh="把整数列表 xs 按绝对值从小到大排序后返回。绝对值相同时，负数排在前面（例如 [-3, 1, -2, 2] 得到 [1, -2, 2, -3]）。",
        solution="""
            def sort_by_abs(xs: list[int]) -> list[int]:
                return sorted(xs, key=lambda x: (abs(x), x))
        """,
        cases=cases(
            ([[]], []),
            ([[5]], [5]),
            ([[-3, 1, -2, 2]], [1, -2, 2, -3]),
            ([[3, -3, 3]], [-3, 3, 3]),
            ([[0, -1, 1]], [0, -1, 1]),
            ([[10, -20, 5, -5]], [-5, 5, 10, -20]),
            ([[-1000000, 999999]], [999999, -1000000]),
        ),
        modify=variant(
            change="largest absolute value first",
            prompt_en="Return xs sorted by absolute value, largest first. When two numbers have the same absolute value, the negative one comes first ([-3, 1, -2, 2] gives [-3, -2, 2, 1]).",
            prompt_zh="把整数列表 xs 按绝对值从大到小排序后返回。绝对值相同时，负数排在前面（例如 [-3, 1, -2, 2] 得到 [-3, -2, 2, 1]）。",
            solution="""
                def sort_by_abs(xs: list[int]) -> list[int]:
                    return sorted(xs, key=lambda x: (-abs(x), x))
            """,
            cases=cases(
                ([[]], []),
                ([[5]], [5]),
                ([[-3, 1, -2, 2]], [-3, -2, 2, 1]),
                ([[3, -3, 3]], [-3, 3, 3]),
                ([[0, -1, 1]], [-1, 1, 0]),
                ([[10, -20, 5, -5]], [-20, 10, -5, 5]),
                ([[-1000000, 999999]], [-1000000, 999999]),
            ),
        ),
    ),
    atom(
        slug="sort_words_by_length",
        params=[("words", "list[str]")],
        returns="list[str]",
        difficulty=1,
        tags=["custom-sort", "key-function", "tie-break"],
        prompt_en="Return words sorted by length, shortest first. Words of the same length are ordered alphabetically by plain string comparison (so upper-case letters come before lower-case ones).",
        prompt_zh="把字符串列表 words 按长度从短到长排序后返回。长度相同的按字符串的普通大小比较排序（即按字符编码，大写字母排在小写字母前面）。",
        solution="""
            def sort_words_by_length(words: list[str]) -> list[str]:
                return sorted(words, key=lambda w: (len(w), w))
        """,
        cases=cases(
            ([[]], []),
            ([["a"]], ["a"]),
            ([["banana", "kiwi", "apple", "fig"]], ["fig", "kiwi", "apple", "banana"]),
            ([["bb", "aa", "c"]], ["c", "aa", "bb"]),
            ([["", "x", ""]], ["", "", "x"]),
            ([["apple", "Zebra"]], ["Zebra", "apple"]),
            ([["dog", "cat", "ant"]], ["ant", "cat", "dog"]),
        ),
        modify=variant(
            change="longest words first",
            prompt_en="Return words sorted by length, longest first. Words of the same length are ordered alphabetically by plain string comparison (so upper-case letters come before lower-case ones).",
            prompt_zh="把字符串列表 words 按长度从长到短排序后返回。长度相同的按字符串的普通大小比较排序（即按字符编码，大写字母排在小写字母前面）。",
            solution="""
                def sort_words_by_length(words: list[str]) -> list[str]:
                    return sorted(words, key=lambda w: (-len(w), w))
            """,
            cases=cases(
                ([[]], []),
                ([["a"]], ["a"]),
                ([["banana", "kiwi", "apple", "fig"]], ["banana", "apple", "kiwi", "fig"]),
                ([["bb", "aa", "c"]], ["aa", "bb", "c"]),
                ([["", "x", ""]], ["x", "", ""]),
                ([["dog", "cat", "ant"]], ["ant", "cat", "dog"]),
                ([["hi", "hello", "hey"]], ["hello", "hey", "hi"]),
            ),
        ),
    ),
    atom(
        slug="kth_smallest",
        params=[("xs", "list[int]"), ("k", "int")],
        returns="int",
        difficulty=1,
        tags=["order-statistic", "sorting"],
        prompt_en="Return the k-th smallest element of xs, counting from 1 (k = 1 is the minimum); duplicates count as separate elements, so the 2nd smallest of [4, 4, 1] is 4. If k is less than 1 or greater than the length of xs, return 0.",
        prompt_zh="返回整数列表 xs 中第 k 小的元素，k 从 1 开始计（k = 1 就是最小值）；重复的元素分别计数，所以 [4, 4, 1] 中第 2 小的是 4。如果 k 小于 1 或大于列表长度，返回 0。",
        solution="""
            def kth_smallest(xs: list[int], k: int) -> int:
                if k < 1 or k > len(xs):
                    return 0
                return sorted(xs)[k - 1]
        """,
        cases=cases(
            ([[], 1], 0),
            ([[5], 1], 5),
            ([[3, 1, 2], 2], 2),
            ([[3, 1, 2], 3], 3),
            ([[4, 4, 1], 2], 4),
            ([[7, -2, 5], 1], -2),
            ([[1, 2, 3], 0], 0),
            ([[1, 2, 3], 4], 0),
        ),
        modify=variant(
            change="k-th largest instead of k-th smallest",
            prompt_en="Return the k-th largest element of xs, counting from 1 (k = 1 is the maximum); duplicates count as separate elements, so the 2nd largest of [4, 4, 1] is 4. If k is less than 1 or greater than the length of xs, return 0.",
            prompt_zh="返回整数列表 xs 中第 k 大的元素，k 从 1 开始计（k = 1 就是最大值）；重复的元素分别计数，所以 [4, 4, 1] 中第 2 大的是 4。如果 k 小于 1 或大于列表长度，返回 0。",
            solution="""
                def kth_smallest(xs: list[int], k: int) -> int:
                    if k < 1 or k > len(xs):
                        return 0
                    return sorted(xs, reverse=True)[k - 1]
            """,
            cases=cases(
                ([[], 1], 0),
                ([[5], 1], 5),
                ([[3, 1, 2], 1], 3),
                ([[3, 1, 2], 3], 1),
                ([[4, 4, 1], 2], 4),
                ([[7, -2, 5], 1], 7),
                ([[1, 2, 3], 0], 0),
                ([[1, 2, 3], 4], 0),
            ),
        ),
    ),
    atom(
        slug="insertion_index",
        params=[("xs", "list[int]"), ("target", "int")],
        returns="int",
        difficulty=2,
        tags=["binary-search", "bisect"],
        prompt_en="Return the index at which target would be inserted into the ascending sorted version of xs so that it stays sorted, placing target before any elements equal to it ([1, 3, 5, 6] with target 5 gives 2). If xs is not sorted, work with sorted(xs). An empty list gives 0.",
        prompt_zh="把 target 插入到 xs 排好序（升序）后的列表中，并保持有序，返回插入位置的下标；如果已有与 target 相等的元素，插在它们前面（例如 [1, 3, 5, 6]、target = 5 返回 2）。xs 本身未必有序，按 sorted(xs) 计算即可。空列表返回 0。",
        solution="""
            def insertion_index(xs: list[int], target: int) -> int:
                import bisect

                return bisect.bisect_left(sorted(xs), target)
        """,
        cases=cases(
            ([[], 5], 0),
            ([[1, 3, 5, 6], 5], 2),
            ([[1, 3, 5, 6], 2], 1),
            ([[1, 3, 5, 6], 7], 4),
            ([[1, 3, 5, 6], 0], 0),
            ([[2, 2, 2], 2], 0),
            ([[5, 1, 3], 4], 2),
            ([[-3, -1], -2], 1),
        ),
        modify=variant(
            change="insert after equal elements instead of before them",
            prompt_en="Return the index at which target would be inserted into the ascending sorted version of xs so that it stays sorted, placing target after any elements equal to it ([1, 3, 5, 6] with target 5 gives 3). If xs is not sorted, work with sorted(xs). An empty list gives 0.",
            prompt_zh="把 target 插入到 xs 排好序（升序）后的列表中，并保持有序，返回插入位置的下标；如果已有与 target 相等的元素，插在它们后面（例如 [1, 3, 5, 6]、target = 5 返回 3）。xs 本身未必有序，按 sorted(xs) 计算即可。空列表返回 0。",
            solution="""
                def insertion_index(xs: list[int], target: int) -> int:
                    import bisect

                    return bisect.bisect_right(sorted(xs), target)
            """,
            cases=cases(
                ([[], 5], 0),
                ([[1, 3, 5, 6], 5], 3),
                ([[1, 3, 5, 6], 2], 1),
                ([[1, 3, 5, 6], 7], 4),
                ([[2, 2, 2], 2], 3),
                ([[5, 1, 3], 3], 2),
                ([[1, 1, 2, 2], 1], 2),
            ),
        ),
    ),
    atom(
        slug="sort_by_digit_sum",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["custom-sort", "digits", "tie-break"],
        prompt_en="Return xs sorted by the sum of the decimal digits of each number (the sign is ignored, so -12 has digit sum 3), smallest digit sum first. Numbers with the same digit sum are ordered by value, ascending ([51, 23, 4, 100] gives [100, 4, 23, 51]).",
        prompt_zh="把整数列表 xs 按各数的数位之和从小到大排序后返回（符号忽略，例如 -12 的数位和是 3）。数位和相同的，按数值从小到大排列（例如 [51, 23, 4, 100] 得到 [100, 4, 23, 51]）。",
        solution="""
            def sort_by_digit_sum(xs: list[int]) -> list[int]:
                return sorted(xs, key=lambda x: (sum(int(d) for d in str(abs(x))), x))
        """,
        cases=cases(
            ([[]], []),
            ([[5]], [5]),
            ([[51, 23, 4, 100]], [100, 4, 23, 51]),
            ([[19, 28, 37]], [19, 28, 37]),
            ([[-12, 3, 21]], [-12, 3, 21]),
            ([[10, 1, 0]], [0, 1, 10]),
            ([[999, 1000]], [1000, 999]),
        ),
        modify=variant(
            change="largest digit sum first",
            prompt_en="Return xs sorted by the sum of the decimal digits of each number (the sign is ignored, so -12 has digit sum 3), largest digit sum first. Numbers with the same digit sum are ordered by value, ascending ([10, 1, 0] gives [1, 10, 0]).",
            prompt_zh="把整数列表 xs 按各数的数位之和从大到小排序后返回（符号忽略，例如 -12 的数位和是 3）。数位和相同的，按数值从小到大排列（例如 [10, 1, 0] 得到 [1, 10, 0]）。",
            solution="""
                def sort_by_digit_sum(xs: list[int]) -> list[int]:
                    return sorted(xs, key=lambda x: (-sum(int(d) for d in str(abs(x))), x))
            """,
            cases=cases(
                ([[]], []),
                ([[5]], [5]),
                ([[51, 23, 4, 100]], [51, 23, 4, 100]),
                ([[19, 28, 37]], [19, 28, 37]),
                ([[10, 1, 0]], [1, 10, 0]),
                ([[999, 1000]], [999, 1000]),
                ([[-12, 3, 21, 9]], [9, -12, 3, 21]),
            ),
        ),
    ),
    atom(
        slug="dense_rank",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["ranking", "sorting", "distinct"],
        prompt_en="Replace each element of xs by its rank: the smallest value gets rank 1, the next larger distinct value rank 2, and so on. Equal values share the same rank and no ranks are skipped ([10, 20, 20, 30] gives [1, 2, 2, 3]). An empty list gives an empty list.",
        prompt_zh="把整数列表 xs 中的每个元素替换成它的名次：最小的值名次为 1，比它大的下一个不同值名次为 2，依此类推。相等的值名次相同，而且名次之间不留空缺（例如 [10, 20, 20, 30] 得到 [1, 2, 2, 3]）。空列表返回空列表。",
        solution="""
            def dense_rank(xs: list[int]) -> list[int]:
                rank = {v: i + 1 for i, v in enumerate(sorted(set(xs)))}
                return [rank[x] for x in xs]
        """,
        cases=cases(
            ([[]], []),
            ([[7]], [1]),
            ([[40, 10, 20, 30]], [4, 1, 2, 3]),
            ([[10, 20, 20, 30]], [1, 2, 2, 3]),
            ([[5, 5, 5]], [1, 1, 1]),
            ([[-1, 100, -1, 0]], [1, 3, 1, 2]),
            ([[2, 1, 1, 1]], [2, 1, 1, 1]),
        ),
        modify=variant(
            change="competition ranking: ties leave gaps after them",
            prompt_en="Replace each element of xs by its competition rank: 1 plus the number of elements of xs that are strictly smaller than it. Equal values share a rank and the following ranks are skipped accordingly ([10, 20, 20, 30] gives [1, 2, 2, 4]). An empty list gives an empty list.",
            prompt_zh="把整数列表 xs 中的每个元素替换成它的“竞赛排名”：名次等于 1 加上列表中严格小于它的元素个数。相等的值名次相同，后面的名次相应地跳过（例如 [10, 20, 20, 30] 得到 [1, 2, 2, 4]）。空列表返回空列表。",
            solution="""
                def dense_rank(xs: list[int]) -> list[int]:
                    import bisect

                    ordered = sorted(xs)
                    return [bisect.bisect_left(ordered, x) + 1 for x in xs]
            """,
            cases=cases(
                ([[]], []),
                ([[7]], [1]),
                ([[40, 10, 20, 30]], [4, 1, 2, 3]),
                ([[10, 20, 20, 30]], [1, 2, 2, 4]),
                ([[5, 5, 5]], [1, 1, 1]),
                ([[-1, 100, -1, 0]], [1, 4, 1, 3]),
                ([[2, 1, 1, 1]], [4, 1, 1, 1]),
            ),
        ),
    ),
    atom(
        slug="sort_by_frequency",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["custom-sort", "counting", "tie-break"],
        prompt_en="Return xs sorted so that values occurring more often come first; values that occur equally often are ordered by value, ascending. Copies of the same value end up next to each other ([1, 1, 2, 2, 2, 3] gives [2, 2, 2, 1, 1, 3]).",
        prompt_zh="对整数列表 xs 重新排序：出现次数多的值排在前面；出现次数相同的值按数值从小到大排列。相同的值排在一起（例如 [1, 1, 2, 2, 2, 3] 得到 [2, 2, 2, 1, 1, 3]）。",
        solution="""
            def sort_by_frequency(xs: list[int]) -> list[int]:
                counts = {}
                for x in xs:
                    counts[x] = counts.get(x, 0) + 1
                return sorted(xs, key=lambda x: (-counts[x], x))
        """,
        cases=cases(
            ([[]], []),
            ([[1]], [1]),
            ([[1, 1, 2, 2, 2, 3]], [2, 2, 2, 1, 1, 3]),
            ([[4, 6, 2]], [2, 4, 6]),
            ([[5, -1, 5, -1, 0]], [-1, -1, 5, 5, 0]),
            ([[3, 3, 3]], [3, 3, 3]),
            ([[2, 3, 1, 3, 2]], [2, 2, 3, 3, 1]),
        ),
        modify=variant(
            change="least frequent values first",
            prompt_en="Return xs sorted so that values occurring less often come first; values that occur equally often are ordered by value, ascending. Copies of the same value end up next to each other ([1, 1, 2, 2, 2, 3] gives [3, 1, 1, 2, 2, 2]).",
            prompt_zh="对整数列表 xs 重新排序：出现次数少的值排在前面；出现次数相同的值按数值从小到大排列。相同的值排在一起（例如 [1, 1, 2, 2, 2, 3] 得到 [3, 1, 1, 2, 2, 2]）。",
            solution="""
                def sort_by_frequency(xs: list[int]) -> list[int]:
                    counts = {}
                    for x in xs:
                        counts[x] = counts.get(x, 0) + 1
                    return sorted(xs, key=lambda x: (counts[x], x))
            """,
            cases=cases(
                ([[]], []),
                ([[1]], [1]),
                ([[1, 1, 2, 2, 2, 3]], [3, 1, 1, 2, 2, 2]),
                ([[4, 6, 2]], [2, 4, 6]),
                ([[5, -1, 5, -1, 0]], [0, -1, -1, 5, 5]),
                ([[2, 3, 1, 3, 2]], [1, 2, 2, 3, 3]),
                ([[7, 7, 8]], [8, 7, 7]),
            ),
        ),
    ),
    atom(
        slug="count_inversions",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=3,
        tags=["inversions", "merge-sort", "bisect"],
        prompt_en="Return the number of inversions in xs: pairs of positions i < j with xs[i] > xs[j]. Equal elements never form an inversion ([2, 4, 1, 3, 5] has 3). The list may hold thousands of elements, so do better than checking every pair one by one where you can.",
        prompt_zh="返回整数列表 xs 中逆序对的个数，逆序对指满足 i < j 且 xs[i] > xs[j] 的一对位置。相等的元素不构成逆序对（例如 [2, 4, 1, 3, 5] 有 3 个逆序对）。列表可能有几千个元素，尽量不要逐对暴力比较。",
        solution="""
            def count_inversions(xs: list[int]) -> int:
                import bisect

                seen = []
                total = 0
                for x in xs:
                    total += len(seen) - bisect.bisect_right(seen, x)
                    bisect.insort(seen, x)
                return total
        """,
        cases=cases(
            ([[]], 0),
            ([[1]], 0),
            ([[1, 2, 3]], 0),
            ([[3, 2, 1]], 3),
            ([[2, 4, 1, 3, 5]], 3),
            ([[1, 1, 1]], 0),
            ([[5, -1, 5, -1]], 3),
            ([[10, 9, 8, 7, 6, 5]], 15),
        ),
        modify=variant(
            change="count strictly increasing pairs instead of inversions",
            prompt_en="Return the number of increasing pairs in xs: pairs of positions i < j with xs[i] < xs[j]. Equal elements never form such a pair ([2, 4, 1, 3, 5] has 7). The list may hold thousands of elements, so do better than checking every pair one by one where you can.",
            prompt_zh="返回整数列表 xs 中“顺序对”的个数，顺序对指满足 i < j 且 xs[i] < xs[j] 的一对位置。相等的元素不构成顺序对（例如 [2, 4, 1, 3, 5] 有 7 个顺序对）。列表可能有几千个元素，尽量不要逐对暴力比较。",
            solution="""
                def count_inversions(xs: list[int]) -> int:
                    import bisect

                    seen = []
                    total = 0
                    for x in xs:
                        total += bisect.bisect_left(seen, x)
                        bisect.insort(seen, x)
                    return total
            """,
            cases=cases(
                ([[]], 0),
                ([[1]], 0),
                ([[1, 2, 3]], 3),
                ([[3, 2, 1]], 0),
                ([[2, 4, 1, 3, 5]], 7),
                ([[1, 1, 1]], 0),
                ([[5, -1, 5, -1]], 1),
                ([[1, 2, 2, 3]], 5),
            ),
        ),
    ),
    atom(
        slug="argsort_indices",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["argsort", "stable-sort", "index"],
        prompt_en="Return the indices of xs ordered so that the elements they point to are in ascending order ([30, 10, 20] gives [1, 2, 0]). Indices of equal elements keep their original order, smaller index first. An empty list gives an empty list.",
        prompt_zh="返回整数列表 xs 的下标序列，使得按这些下标依次取出的元素是从小到大排列的（例如 [30, 10, 20] 返回 [1, 2, 0]）。值相等的元素，下标小的排在前面。空列表返回空列表。",
        solution="""
            def argsort_indices(xs: list[int]) -> list[int]:
                return sorted(range(len(xs)), key=lambda i: xs[i])
        """,
        cases=cases(
            ([[]], []),
            ([[5]], [0]),
            ([[30, 10, 20]], [1, 2, 0]),
            ([[1, 2, 3]], [0, 1, 2]),
            ([[2, 1, 2, 1]], [1, 3, 0, 2]),
            ([[-5, 5, 0]], [0, 2, 1]),
            ([[7, 7, 7]], [0, 1, 2]),
        ),
        modify=variant(
            change="descending order of the elements (ties still smaller index first)",
            prompt_en="Return the indices of xs ordered so that the elements they point to are in descending order ([30, 10, 20] gives [0, 2, 1]). Indices of equal elements keep their original order, smaller index first. An empty list gives an empty list.",
            prompt_zh="返回整数列表 xs 的下标序列，使得按这些下标依次取出的元素是从大到小排列的（例如 [30, 10, 20] 返回 [0, 2, 1]）。值相等的元素，下标小的排在前面。空列表返回空列表。",
            solution="""
                def argsort_indices(xs: list[int]) -> list[int]:
                    return sorted(range(len(xs)), key=lambda i: -xs[i])
            """,
            cases=cases(
                ([[]], []),
                ([[5]], [0]),
                ([[30, 10, 20]], [0, 2, 1]),
                ([[1, 2, 3]], [2, 1, 0]),
                ([[2, 1, 2, 1]], [0, 2, 1, 3]),
                ([[-5, 5, 0]], [1, 2, 0]),
                ([[7, 7, 7]], [0, 1, 2]),
            ),
        ),
    ),
    atom(
        slug="closest_value",
        params=[("xs", "list[int]"), ("target", "int")],
        returns="int",
        difficulty=2,
        tags=["search", "min", "tie-break"],
        prompt_en="Return the element of xs that is closest to target, i.e. has the smallest absolute difference from it. If two elements are equally close, return the smaller one ([1, 4, 6] with target 5 gives 4). For an empty list return 0.",
        prompt_zh="返回整数列表 xs 中离 target 最近的元素，即与 target 之差的绝对值最小的那个。如果有两个元素一样近，返回较小的那个（例如 [1, 4, 6]、target = 5 返回 4）。列表为空时返回 0。",
        solution="""
            def closest_value(xs: list[int], target: int) -> int:
                if not xs:
                    return 0
                return min(xs, key=lambda x: (abs(x - target), x))
        """,
        cases=cases(
            ([[], 5], 0),
            ([[7], 100], 7),
            ([[1, 4, 9], 5], 4),
            ([[1, 4, 6], 5], 4),
            ([[10, -10], 0], -10),
            ([[3, 3, 8], 3], 3),
            ([[-7, -2, 4], -4], -2),
            ([[1000000, -1000000], 1], 1000000),
        ),
        modify=variant(
            change="ties go to the larger element",
            prompt_en="Return the element of xs that is closest to target, i.e. has the smallest absolute difference from it. If two elements are equally close, return the larger one ([1, 4, 6] with target 5 gives 6). For an empty list return 0.",
            prompt_zh="返回整数列表 xs 中离 target 最近的元素，即与 target 之差的绝对值最小的那个。如果有两个元素一样近，返回较大的那个（例如 [1, 4, 6]、target = 5 返回 6）。列表为空时返回 0。",
            solution="""
                def closest_value(xs: list[int], target: int) -> int:
                    if not xs:
                        return 0
                    return min(xs, key=lambda x: (abs(x - target), -x))
            """,
            cases=cases(
                ([[], 5], 0),
                ([[7], 100], 7),
                ([[1, 4, 9], 5], 4),
                ([[1, 4, 6], 5], 6),
                ([[10, -10], 0], 10),
                ([[3, 3, 8], 3], 3),
                ([[2, 8], 5], 8),
                ([[-3, -1, 5], -2], -1),
            ),
        ),
    ),
]
