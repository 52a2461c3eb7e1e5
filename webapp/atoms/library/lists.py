"""Lists: positional manipulation of integer lists.

Rotating, chunking, collapsing runs, flattening, interleaving, moving elements, locating the
maximum, second-largest values, maximum sub-list sums and "look to the right" scans. Every atom
accepts the empty list and negative or repeated values, and says what it returns for them.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "lists"
TOPIC_TITLE = "Lists"

ATOMS: list[AtomSpec] = [
    atom(
        slug="rotate_left",
        params=[("xs", "list[int]"), ("k", "int")],
        returns="list[int]",
        difficulty=1,
        tags=["rotation", "slicing", "modular-arithmetic"],
        prompt_en="Rotate xs to the left by k positions: the first k elements move to the end, keeping their order ([1, 2, 3, 4, 5] with k = 2 gives [3, 4, 5, 1, 2]). k may be larger than the length of the list (it wraps around) or negative (a negative k rotates to the right). An empty list stays empty.",
        prompt_zh="把列表 xs 向左循环移动 k 位：前 k 个元素按原顺序挪到末尾（例如 [1, 2, 3, 4, 5]、k = 2 得到 [3, 4, 5, 1, 2]）。k 可能大于列表长度（按循环处理），也可能是负数（负数表示向右移）。空列表原样返回。",
        solution="""
            def rotate_left(xs: list[int], k: int) -> list[int]:
                if not xs:
                    return []
                k %= len(xs)
                return xs[k:] + xs[:k]
        """,
        cases=cases(
            ([[], 3], []),
            ([[1], 5], [1]),
            ([[1, 2, 3, 4, 5], 2], [3, 4, 5, 1, 2]),
            ([[1, 2, 3, 4, 5], 0], [1, 2, 3, 4, 5]),
            ([[1, 2, 3, 4, 5], 7], [3, 4, 5, 1, 2]),
            ([[1, 2, 3, 4, 5], -1], [5, 1, 2, 3, 4]),
            ([[-1, -1, 2], 1], [-1, 2, -1]),
            ([[10, 20], 4], [10, 20]),
        ),
        modify=variant(
            change="rotate to the right instead of the left",
            prompt_en="Rotate xs to the right by k positions: the last k elements move to the front, keeping their order ([1, 2, 3, 4, 5] with k = 2 gives [4, 5, 1, 2, 3]). k may be larger than the length of the list (it wraps around) or negative (a negative k rotates to the left). An empty list stays empty.",
            prompt_zh="把列表 xs 向右循环移动 k 位：最后 k 个元素按原顺序挪到最前面（例如 [1, 2, 3, 4, 5]、k = 2 得到 [4, 5, 1, 2, 3]）。k 可能大于列表长度（按循环处理），也可能是负数（负数表示向左移）。空列表原样返回。",
            solution="""
                def rotate_left(xs: list[int], k: int) -> list[int]:
                    if not xs:
                        return []
                    cut = len(xs) - k % len(xs)
                    return xs[cut:] + xs[:cut]
            """,
            cases=cases(
                ([[], 3], []),
                ([[1], 5], [1]),
                ([[1, 2, 3, 4, 5], 2], [4, 5, 1, 2, 3]),
                ([[1, 2, 3, 4, 5], 7], [4, 5, 1, 2, 3]),
                ([[1, 2, 3, 4, 5], -1], [2, 3, 4, 5, 1]),
                ([[1, 2, 3], 3], [1, 2, 3]),
                ([[7, 8, 9], 1], [9, 7, 8]),
            ),
        ),
    ),
    atom(
        slug="second_largest",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=2,
        tags=["max", "distinct", "scan"],
        prompt_en="Return the second largest distinct value in xs, i.e. the largest value that is strictly smaller than the maximum ([10, 9, 10, 8] gives 9). If xs has fewer than two distinct values, return its largest value; for an empty list return 0.",
        prompt_zh="给定整数列表 xs，返回其中第二大的不同取值，也就是严格小于最大值的数里最大的那个（例如 [10, 9, 10, 8] 返回 9）。若列表中不同的值少于两个，就返回最大值；列表为空时返回 0。",
        solution="""
            def second_largest(xs: list[int]) -> int:
                values = sorted(set(xs))
                if not values:
                    return 0
                return values[-2] if len(values) >= 2 else values[-1]
        """,
        cases=cases(
            ([[]], 0),
            ([[5]], 5),
            ([[3, 3, 3]], 3),
            ([[1, 2, 3, 4]], 3),
            ([[4, 4, 3, 3]], 3),
            ([[-5, -1, -3]], -3),
            ([[10, 9, 10, 8]], 9),
            ([[1000000, -1000000]], -1000000),
        ),
        modify=variant(
            change="second smallest distinct value instead of second largest",
            prompt_en="Return the second smallest distinct value in xs, i.e. the smallest value that is strictly larger than the minimum ([1, 1, 2] gives 2). If xs has fewer than two distinct values, return its smallest value; for an empty list return 0.",
            prompt_zh="给定整数列表 xs，返回其中第二小的不同取值，也就是严格大于最小值的数里最小的那个（例如 [1, 1, 2] 返回 2）。若列表中不同的值少于两个，就返回最小值；列表为空时返回 0。",
            solution="""
                def second_largest(xs: list[int]) -> int:
                    values = sorted(set(xs))
                    if not values:
                        return 0
                    return values[1] if len(values) >= 2 else values[0]
            """,
            cases=cases(
                ([[]], 0),
                ([[5]], 5),
                ([[3, 3, 3]], 3),
                ([[1, 2, 3, 4]], 2),
                ([[4, 4, 3, 3]], 4),
                ([[-5, -1, -3]], -3),
                ([[1, 1, 2]], 2),
                ([[7, -2, -2, 0]], 0),
            ),
        ),
    ),
    atom(
        slug="chunk_sums",
        params=[("xs", "list[int]"), ("k", "int")],
        returns="list[int]",
        difficulty=1,
        tags=["chunking", "aggregate"],
        prompt_en="Split xs into consecutive blocks of k elements, from left to right (the last block may be shorter), and return the sum of each block ([1, 2, 3, 4, 5] with k = 2 gives [3, 7, 5]). A k below 1 is treated as 1. An empty list gives an empty list.",
        prompt_zh="把整数列表 xs 从左到右切成每块 k 个元素（最后一块可以不足 k 个），返回每一块的元素之和（例如 [1, 2, 3, 4, 5]、k = 2 得到 [3, 7, 5]）。k 小于 1 时按 1 处理。空列表返回空列表。",
        solution="""
            def chunk_sums(xs: list[int], k: int) -> list[int]:
                k = max(k, 1)
                return [sum(xs[i:i + k]) for i in range(0, len(xs), k)]
        """,
        cases=cases(
            ([[], 2], []),
            ([[5], 3], [5]),
            ([[1, 2, 3, 4, 5], 2], [3, 7, 5]),
            ([[1, 2, 3, 4, 5, 6], 3], [6, 15]),
            ([[1, -1, 2], 0], [1, -1, 2]),
            ([[4, 4, 4], 10], [12]),
            ([[-3, -4, 10, 1], 2], [-7, 11]),
        ),
        modify=variant(
            change="maximum of each block instead of its sum",
            prompt_en="Split xs into consecutive blocks of k elements, from left to right (the last block may be shorter), and return the largest element of each block ([1, 2, 3, 4, 5] with k = 2 gives [2, 4, 5]). A k below 1 is treated as 1. An empty list gives an empty list.",
            prompt_zh="把整数列表 xs 从左到右切成每块 k 个元素（最后一块可以不足 k 个），返回每一块中的最大元素（例如 [1, 2, 3, 4, 5]、k = 2 得到 [2, 4, 5]）。k 小于 1 时按 1 处理。空列表返回空列表。",
            solution="""
                def chunk_sums(xs: list[int], k: int) -> list[int]:
                    k = max(k, 1)
                    return [max(xs[i:i + k]) for i in range(0, len(xs), k)]
            """,
            cases=cases(
                ([[], 2], []),
                ([[5], 3], [5]),
                ([[1, 2, 3, 4, 5], 2], [2, 4, 5]),
                ([[1, 2, 3, 4, 5, 6], 3], [3, 6]),
                ([[1, -1, 2], 0], [1, -1, 2]),
                ([[4, 4, 4], 10], [4]),
                ([[-3, -4, 10, 1], 2], [-3, 10]),
            ),
        ),
    ),
    atom(
        slug="collapse_adjacent_duplicates",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["runs", "scan"],
        prompt_en="Replace every run of equal adjacent elements in xs by a single copy of that element ([1, 1, 2, 2, 2, 1] gives [1, 2, 1]). Equal values that are not next to each other are kept. An empty list gives an empty list.",
        prompt_zh="把整数列表 xs 中每一段连续相等的元素压缩成一个（例如 [1, 1, 2, 2, 2, 1] 得到 [1, 2, 1]）。不相邻的相等元素照常保留。空列表返回空列表。",
        solution="""
            def collapse_adjacent_duplicates(xs: list[int]) -> list[int]:
                out = []
                for x in xs:
                    if not out or out[-1] != x:
                        out.append(x)
                return out
        """,
        cases=cases(
            ([[]], []),
            ([[7]], [7]),
            ([[1, 1, 2, 2, 2, 1]], [1, 2, 1]),
            ([[1, 2, 3]], [1, 2, 3]),
            ([[5, 5, 5, 5]], [5]),
            ([[-1, -1, 0, -1]], [-1, 0, -1]),
            ([[0, 0, 1, 0, 0]], [0, 1, 0]),
        ),
        modify=variant(
            change="runs of length 2 or more are removed entirely",
            prompt_en="Remove from xs every element that belongs to a run of two or more equal adjacent elements, keeping only the elements whose neighbours both differ from them ([1, 1, 2, 3, 3, 4] gives [2, 4]). An empty list gives an empty list.",
            prompt_zh="从整数列表 xs 中删掉所有处在“连续两个或更多相等元素”这种片段里的元素，只保留和左右相邻元素都不相等的元素（例如 [1, 1, 2, 3, 3, 4] 得到 [2, 4]）。空列表返回空列表。",
            solution="""
                def collapse_adjacent_duplicates(xs: list[int]) -> list[int]:
                    out = []
                    i = 0
                    while i < len(xs):
                        j = i
                        while j < len(xs) and xs[j] == xs[i]:
                            j += 1
                        if j - i == 1:
                            out.append(xs[i])
                        i = j
                    return out
            """,
            cases=cases(
                ([[]], []),
                ([[7]], [7]),
                ([[1, 1, 2, 2, 2, 1]], [1]),
                ([[1, 2, 3]], [1, 2, 3]),
                ([[5, 5, 5, 5]], []),
                ([[1, 1, 2, 3, 3, 4]], [2, 4]),
                ([[-1, -1, 0, -1]], [0, -1]),
            ),
        ),
    ),
    atom(
        slug="flatten_nested",
        params=[("xss", "list[list[int]]")],
        returns="list[int]",
        difficulty=1,
        tags=["nested-lists", "concatenation"],
        prompt_en="Concatenate the inner lists of xss, in order, into one flat list ([[1, 2], [3], [4, 5, 6]] gives [1, 2, 3, 4, 5, 6]). The inner lists may have different lengths or be empty. An empty outer list gives an empty list.",
        prompt_zh="把嵌套列表 xss 里的各个子列表按顺序拼接成一个一维列表（例如 [[1, 2], [3], [4, 5, 6]] 得到 [1, 2, 3, 4, 5, 6]）。子列表的长度可以各不相同，也可以为空。外层列表为空时返回空列表。",
        solution="""
            def flatten_nested(xss: list[list[int]]) -> list[int]:
                return [x for xs in xss for x in xs]
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], []),
            ([[[1, 2], [3], [4, 5, 6]]], [1, 2, 3, 4, 5, 6]),
            ([[[], [1], []]], [1]),
            ([[[-1, -1], [-1]]], [-1, -1, -1]),
            ([[[5]]], [5]),
            ([[[3, 2, 1], [0]]], [3, 2, 1, 0]),
            ([[[1, 2], [3, 4], [5, 6]]], [1, 2, 3, 4, 5, 6]),
        ),
        modify=variant(
            change="take elements column by column (round-robin) instead of list by list",
            prompt_en="Flatten xss column by column: first the first element of each inner list (in order), then the second element of each inner list, and so on; inner lists that have run out are skipped ([[1, 2], [3], [4, 5, 6]] gives [1, 3, 4, 2, 5, 6]). An empty outer list gives an empty list.",
            prompt_zh="按“列”的顺序把嵌套列表 xss 展开成一维列表：先依次取每个子列表的第一个元素，再依次取每个子列表的第二个元素，依此类推；已经取完的子列表直接跳过（例如 [[1, 2], [3], [4, 5, 6]] 得到 [1, 3, 4, 2, 5, 6]）。外层列表为空时返回空列表。",
            solution="""
                def flatten_nested(xss: list[list[int]]) -> list[int]:
                    width = max((len(xs) for xs in xss), default=0)
                    return [xs[j] for j in range(width) for xs in xss if j < len(xs)]
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], []),
                ([[[1, 2], [3], [4, 5, 6]]], [1, 3, 4, 2, 5, 6]),
                ([[[], [1], []]], [1]),
                ([[[1, 2, 3], [4, 5, 6]]], [1, 4, 2, 5, 3, 6]),
                ([[[5]]], [5]),
                ([[[3, 2, 1], [0]]], [3, 0, 2, 1]),
            ),
        ),
    ),
    atom(
        slug="max_subarray_sum",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=3,
        tags=["kadane", "dynamic-programming", "subarray"],
        prompt_en="Return the largest possible sum of a non-empty contiguous sub-list of xs ([-2, 1, -3, 4, -1, 2, 1, -5, 4] gives 6, from [4, -1, 2, 1]). If every element is negative, the answer is the largest single element. For an empty list return 0. The list may hold a thousand elements, so aim for linear time.",
        prompt_zh="给定整数列表 xs，在所有非空的连续子列表中，求元素和的最大值并返回（例如 [-2, 1, -3, 4, -1, 2, 1, -5, 4] 返回 6，对应 [4, -1, 2, 1]）。如果元素全为负数，答案就是其中最大的那个元素。列表为空时返回 0。列表可能有上千个元素，请用线性时间的做法。",
        solution="""
            def max_subarray_sum(xs: list[int]) -> int:
                if not xs:
                    return 0
                best = current = xs[0]
                for x in xs[1:]:
                    current = max(x, current + x)
                    best = max(best, current)
                return best
        """,
        cases=cases(
            ([[]], 0),
            ([[5]], 5),
            ([[-3]], -3),
            ([[-2, 1, -3, 4, -1, 2, 1, -5, 4]], 6),
            ([[-5, -2, -8]], -2),
            ([[1, 2, 3]], 6),
            ([[2, -1, 2]], 3),
            ([[1000000, -1, 1000000]], 1999999),
        ),
        modify=variant(
            change="smallest sub-list sum instead of the largest",
            prompt_en="Return the smallest possible sum of a non-empty contiguous sub-list of xs ([3, -4, 2, -5, 1] gives -7, from [-4, 2, -5]). If every element is positive, the answer is the smallest single element. For an empty list return 0. The list may hold a thousand elements, so aim for linear time.",
            prompt_zh="给定整数列表 xs，在所有非空的连续子列表中，求元素和的最小值并返回（例如 [3, -4, 2, -5, 1] 返回 -7，对应 [-4, 2, -5]）。如果元素全为正数，答案就是其中最小的那个元素。列表为空时返回 0。列表可能有上千个元素，请用线性时间的做法。",
            solution="""
                def max_subarray_sum(xs: list[int]) -> int:
                    if not xs:
                        return 0
                    best = current = xs[0]
                    for x in xs[1:]:
                        current = min(x, current + x)
                        best = min(best, current)
                    return best
            """,
            cases=cases(
                ([[]], 0),
                ([[5]], 5),
                ([[-3]], -3),
                ([[-2, 1, -3, 4, -1, 2, 1, -5, 4]], -5),
                ([[3, -4, 2, -5, 1]], -7),
                ([[1, 2, 3]], 1),
                ([[-1, -2, -3]], -6),
                ([[2, -1, 2]], -1),
            ),
        ),
    ),
    atom(
        slug="move_zeros_to_end",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["partition", "two-pointer"],
        prompt_en="Move every 0 in xs to the end of the list while keeping the other elements in their original relative order ([0, 1, 0, 3, 12] gives [1, 3, 12, 0, 0]). An empty list gives an empty list.",
        prompt_zh="把整数列表 xs 中所有的 0 移到末尾，其余元素保持原来的相对顺序（例如 [0, 1, 0, 3, 12] 得到 [1, 3, 12, 0, 0]）。空列表返回空列表。",
        solution="""
            def move_zeros_to_end(xs: list[int]) -> list[int]:
                non_zero = [x for x in xs if x != 0]
                return non_zero + [0] * (len(xs) - len(non_zero))
        """,
        cases=cases(
            ([[]], []),
            ([[0]], [0]),
            ([[0, 1, 0, 3, 12]], [1, 3, 12, 0, 0]),
            ([[1, 2, 3]], [1, 2, 3]),
            ([[0, 0, 0]], [0, 0, 0]),
            ([[-1, 0, -2, 0]], [-1, -2, 0, 0]),
            ([[4, 0, 4, 0, 0, 5]], [4, 4, 5, 0, 0, 0]),
        ),
        modify=variant(
            change="zeros go to the front instead of the end",
            prompt_en="Move every 0 in xs to the front of the list while keeping the other elements in their original relative order after them ([0, 1, 0, 3, 12] gives [0, 0, 1, 3, 12]). An empty list gives an empty list.",
            prompt_zh="把整数列表 xs 中所有的 0 移到最前面，其余元素跟在后面并保持原来的相对顺序（例如 [0, 1, 0, 3, 12] 得到 [0, 0, 1, 3, 12]）。空列表返回空列表。",
            solution="""
                def move_zeros_to_end(xs: list[int]) -> list[int]:
                    non_zero = [x for x in xs if x != 0]
                    return [0] * (len(xs) - len(non_zero)) + non_zero
            """,
            cases=cases(
                ([[]], []),
                ([[0]], [0]),
                ([[0, 1, 0, 3, 12]], [0, 0, 1, 3, 12]),
                ([[1, 2, 3]], [1, 2, 3]),
                ([[-1, 0, -2, 0]], [0, 0, -1, -2]),
                ([[5, 0]], [0, 5]),
                ([[4, 0, 4, 0, 0, 5]], [0, 0, 0, 4, 4, 5]),
            ),
        ),
    ),
    atom(
        slug="greatest_to_the_right",
        params=[("xs", "list[int]")],
        returns="list[int]",
        difficulty=2,
        tags=["suffix-scan", "max"],
        prompt_en="Replace every element of xs by the greatest element strictly to its right; the last element, which has nothing to its right, becomes -1 ([17, 18, 5, 4, 6, 1] gives [18, 6, 6, 6, 1, -1]). An empty list gives an empty list. Aim for linear time.",
        prompt_zh="把整数列表 xs 中的每个元素替换为它右侧所有元素中的最大值；最后一个元素右边没有元素，替换为 -1（例如 [17, 18, 5, 4, 6, 1] 得到 [18, 6, 6, 6, 1, -1]）。空列表返回空列表。请用线性时间完成。",
        solution="""
            def greatest_to_the_right(xs: list[int]) -> list[int]:
                out = [0] * len(xs)
                best = -1
                for i in range(len(xs) - 1, -1, -1):
                    out[i] = best
                    best = xs[i] if i == len(xs) - 1 else max(best, xs[i])
                return out
        """,
        cases=cases(
            ([[]], []),
            ([[5]], [-1]),
            ([[17, 18, 5, 4, 6, 1]], [18, 6, 6, 6, 1, -1]),
            ([[1, 2, 3]], [3, 3, -1]),
            ([[3, 2, 1]], [2, 1, -1]),
            ([[-5, -7, -9]], [-7, -9, -1]),
            ([[4, 4, 4]], [4, 4, -1]),
        ),
        modify=variant(
            change="sum of the elements to the right instead of their maximum",
            prompt_en="Replace every element of xs by the sum of all elements strictly to its right; the last element, which has nothing to its right, becomes 0 ([1, 2, 3] gives [5, 3, 0]). An empty list gives an empty list. Aim for linear time.",
            prompt_zh="把整数列表 xs 中的每个元素替换为它右侧所有元素之和；最后一个元素右边没有元素，替换为 0（例如 [1, 2, 3] 得到 [5, 3, 0]）。空列表返回空列表。请用线性时间完成。",
            solution="""
                def greatest_to_the_right(xs: list[int]) -> list[int]:
                    out = [0] * len(xs)
                    total = 0
                    for i in range(len(xs) - 1, -1, -1):
                        out[i] = total
                        total += xs[i]
                    return out
            """,
            cases=cases(
                ([[]], []),
                ([[5]], [0]),
                ([[17, 18, 5, 4, 6, 1]], [34, 16, 11, 7, 1, 0]),
                ([[1, 2, 3]], [5, 3, 0]),
                ([[3, 2, 1]], [3, 1, 0]),
                ([[-5, -7, -9]], [-16, -9, 0]),
                ([[4, 4, 4]], [8, 4, 0]),
            ),
        ),
    ),
    atom(
        slug="index_of_max",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=1,
        tags=["max", "index", "scan"],
        prompt_en="Return the index (0-based) of the largest element of xs. If the largest value occurs more than once, return the index of its first occurrence. For an empty list return -1.",
        prompt_zh="返回整数列表 xs 中最大元素的下标（从 0 开始）。如果最大值出现了不止一次，返回它第一次出现的位置。列表为空时返回 -1。",
        solution="""
            def index_of_max(xs: list[int]) -> int:
                best = -1
                for i, x in enumerate(xs):
                    if best == -1 or x > xs[best]:
                        best = i
                return best
        """,
        cases=cases(
            ([[]], -1),
            ([[5]], 0),
            ([[1, 3, 2]], 1),
            ([[3, 1, 3]], 0),
            ([[-5, -2, -9]], 1),
            ([[7, 7, 7]], 0),
            ([[1, 2, 3, 1000000]], 3),
        ),
        modify=variant(
            change="index of the last occurrence of the maximum",
            prompt_en="Return the index (0-based) of the largest element of xs. If the largest value occurs more than once, return the index of its last occurrence. For an empty list return -1.",
            prompt_zh="返回整数列表 xs 中最大元素的下标（从 0 开始）。如果最大值出现了不止一次，返回它最后一次出现的位置。列表为空时返回 -1。",
            solution="""
                def index_of_max(xs: list[int]) -> int:
                    best = -1
                    for i, x in enumerate(xs):
                        if best == -1 or x >= xs[best]:
                            best = i
                    return best
            """,
            cases=cases(
                ([[]], -1),
                ([[5]], 0),
                ([[1, 3, 2]], 1),
                ([[3, 1, 3]], 2),
                ([[7, 7, 7]], 2),
                ([[-5, -2, -9]], 1),
                ([[0, 2, 2, 1]], 2),
            ),
        ),
    ),
    atom(
        slug="interleave_lists",
        params=[("xs", "list[int]"), ("ys", "list[int]")],
        returns="list[int]",
        difficulty=1,
        tags=["merge", "two-pointer"],
        prompt_en="Merge xs and ys by alternating their elements, starting with xs: xs[0], ys[0], xs[1], ys[1], ... When one list runs out, append the remaining elements of the other ([1, 2, 3, 4] and [0] give [1, 0, 2, 3, 4]).",
        prompt_zh="把两个整数列表 xs 和 ys 交替合并，从 xs 开始：xs[0]、ys[0]、xs[1]、ys[1]……其中一个列表取完后，把另一个列表剩下的元素依次接在后面（例如 [1, 2, 3, 4] 和 [0] 得到 [1, 0, 2, 3, 4]）。",
        solution="""
            def interleave_lists(xs: list[int], ys: list[int]) -> list[int]:
                out = []
                for i in range(max(len(xs), len(ys))):
                    if i < len(xs):
                        out.append(xs[i])
                    if i < len(ys):
                        out.append(ys[i])
                return out
        """,
        cases=cases(
            ([[], []], []),
            ([[1, 2, 3], []], [1, 2, 3]),
            ([[], [4, 5]], [4, 5]),
            ([[1, 2, 3], [4, 5, 6]], [1, 4, 2, 5, 3, 6]),
            ([[1], [9, 8, 7]], [1, 9, 8, 7]),
            ([[1, 2, 3, 4], [0]], [1, 0, 2, 3, 4]),
            ([[-1, -1], [-1]], [-1, -1, -1]),
        ),
        modify=variant(
            change="alternate starting with ys instead of xs",
            prompt_en="Merge xs and ys by alternating their elements, starting with ys: ys[0], xs[0], ys[1], xs[1], ... When one list runs out, append the remaining elements of the other ([1, 2, 3, 4] and [0] give [0, 1, 2, 3, 4]).",
            prompt_zh="把两个整数列表 xs 和 ys 交替合并，但从 ys 开始：ys[0]、xs[0]、ys[1]、xs[1]……其中一个列表取完后，把另一个列表剩下的元素依次接在后面（例如 [1, 2, 3, 4] 和 [0] 得到 [0, 1, 2, 3, 4]）。",
            solution="""
                def interleave_lists(xs: list[int], ys: list[int]) -> list[int]:
                    out = []
                    for i in range(max(len(xs), len(ys))):
                        if i < len(ys):
                            out.append(ys[i])
                        if i < len(xs):
                            out.append(xs[i])
                    return out
            """,
            cases=cases(
                ([[], []], []),
                ([[1, 2, 3], []], [1, 2, 3]),
                ([[], [4, 5]], [4, 5]),
                ([[1, 2, 3], [4, 5, 6]], [4, 1, 5, 2, 6, 3]),
                ([[1], [9, 8, 7]], [9, 1, 8, 7]),
                ([[1, 2, 3, 4], [0]], [0, 1, 2, 3, 4]),
                ([[5, 6], [7]], [7, 5, 6]),
            ),
        ),
    ),
]
