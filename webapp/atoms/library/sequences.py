"""Math sequences: generating terms of integer sequences and reasoning about given ones.

Most atoms map an int n to the first n terms (int -> list[int]) or to one value; each states
what n <= 0 gives and caps n where the terms or the list would otherwise grow without bound,
so that any int a previous atom produces is a valid input. Covers Fibonacci and Lucas
numbers, triangular numbers, Collatz, Recamán, Van Eck, look-and-say, Pascal's triangle,
Zeckendorf representations, and extrapolating or measuring a given list of terms.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "sequences"
TOPIC_TITLE = "Math sequences"

ATOMS: list[AtomSpec] = [
    atom(
        slug="fib_first_n",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=1,
        tags=["fibonacci", "recurrence", "generate"],
        prompt_en="Return the first n Fibonacci numbers as a list: 0, 1, 1, 2, 3, 5, 8, ... (each term after the first two is the sum of the two before it). If n <= 0, return []. If n is larger than 50, return only the first 50 terms.",
        prompt_zh="返回斐波那契数列的前 n 项组成的列表：0, 1, 1, 2, 3, 5, 8, ……（从第三项起，每一项都等于前两项之和）。n <= 0 时返回 []；n 大于 50 时只返回前 50 项。",
        solution="""
            def fib_first_n(n: int) -> list[int]:
                out = []
                a, b = 0, 1
                for _ in range(max(0, min(n, 50))):
                    out.append(a)
                    a, b = b, a + b
                return out
        """,
        cases=cases(
            ([0], []),
            ([-5], []),
            ([1], [0]),
            ([2], [0, 1]),
            ([3], [0, 1, 1]),
            ([10], [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]),
            (
                [51],
                [
                    0,
                    1,
                    1,
                    2,
                    3,
                    5,
                    8,
                    13,
                    21,
                    34,
                    55,
                    89,
                    144,
                    233,
                    377,
                    610,
                    987,
                    1597,
                    2584,
                    4181,
                    6765,
                    10946,
                    17711,
                    28657,
                    46368,
                    75025,
                    121393,
                    196418,
                    317811,
                    514229,
                    832040,
                    1346269,
                    2178309,
                    3524578,
                    5702887,
                    9227465,
                    14930352,
                    24157817,
                    39088169,
                    63245986,
                    102334155,
                    165580141,
                    267914296,
                    433494437,
                    701408733,
                    1134903170,
                    1836311903,
                    2971215073,
                    4807526976,
                    7778742049,
                ],
            ),
        ),
        modify=variant(
            change="Lucas numbers: the recurrence starts from 2, 1 instead of 0, 1",
            prompt_en="Return the first n Lucas numbers as a list. The sequence starts 2, 1 and each later term is the sum of the two before it: 2, 1, 3, 4, 7, 11, 18, ... If n <= 0, return []. If n is larger than 50, return only the first 50 terms.",
            prompt_zh="返回卢卡斯数列的前 n 项组成的列表。数列的前两项是 2 和 1，之后每一项都等于前两项之和：2, 1, 3, 4, 7, 11, 18, …… n <= 0 时返回 []；n 大于 50 时只返回前 50 项。",
            solution="""
                def fib_first_n(n: int) -> list[int]:
                    out = []
                    a, b = 2, 1
                    for _ in range(max(0, min(n, 50))):
                        out.append(a)
                        a, b = b, a + b
                    return out
            """,
            cases=cases(
                ([0], []),
                ([-5], []),
                ([1], [2]),
                ([2], [2, 1]),
                ([3], [2, 1, 3]),
                ([10], [2, 1, 3, 4, 7, 11, 18, 29, 47, 76]),
                (
                    [1000000],
                    [
                        2,
                        1,
                        3,
                        4,
                        7,
                        11,
                        18,
                        29,
                        47,
                        76,
                        123,
                        199,
                        322,
                        521,
                        843,
                        1364,
                        2207,
                        3571,
                        5778,
                        9349,
                        15127,
                        24476,
                        39603,
                        64079,
                        103682,
                        167761,
                        271443,
                        439204,
                        710647,
                        1149851,
                        1860498,
                        3010349,
                        4870847,
                        7881196,
                        12752043,
                        20633239,
                        33385282,
                        54018521,
                        87403803,
                        141422324,
                        228826127,
                        370248451,
                        599074578,
                        969323029,
                        1568397607,
                        2537720636,
                        4106118243,
                        6643838879,
                        10749957122,
                        17393796001,
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="triangular_first_n",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=1,
        tags=["triangular-numbers", "generate", "running-sum"],
        prompt_en="The k-th triangular number is 1 + 2 + ... + k. Return the first n triangular numbers, starting from k = 1: [1, 3, 6, 10, 15, ...]. If n <= 0, return []. If n is larger than 100, return only the first 100.",
        prompt_zh="第 k 个三角形数等于 1 + 2 + … + k。从 k = 1 开始，返回前 n 个三角形数：[1, 3, 6, 10, 15, …]。n <= 0 时返回 []；n 大于 100 时只返回前 100 个。",
        solution="""
            def triangular_first_n(n: int) -> list[int]:
                return [k * (k + 1) // 2 for k in range(1, max(0, min(n, 100)) + 1)]
        """,
        cases=cases(
            ([0], []),
            ([-3], []),
            ([1], [1]),
            ([2], [1, 3]),
            ([5], [1, 3, 6, 10, 15]),
            ([8], [1, 3, 6, 10, 15, 21, 28, 36]),
            (
                [1000],
                [
                    1,
                    3,
                    6,
                    10,
                    15,
                    21,
                    28,
                    36,
                    45,
                    55,
                    66,
                    78,
                    91,
                    105,
                    120,
                    136,
                    153,
                    171,
                    190,
                    210,
                    231,
                    253,
                    276,
                    300,
                    325,
                    351,
                    378,
                    406,
                    435,
                    465,
                    496,
                    528,
                    561,
                    595,
                    630,
                    666,
                    703,
                    741,
                    780,
                    820,
                    861,
                    903,
                    946,
                    990,
                    1035,
                    1081,
                    1128,
                    1176,
                    1225,
                    1275,
                    1326,
                    1378,
                    1431,
                    1485,
                    1540,
                    1596,
                    1653,
                    1711,
                    1770,
                    1830,
                    1891,
                    1953,
                    2016,
                    2080,
                    2145,
                    2211,
                    2278,
                    2346,
                    2415,
                    2485,
                    2556,
                    2628,
                    2701,
                    2775,
                    2850,
                    2926,
                    3003,
                    3081,
                    3160,
                    3240,
                    3321,
                    3403,
                    3486,
                    3570,
                    3655,
                    3741,
                    3828,
                    3916,
                    4005,
                    4095,
                    4186,
                    4278,
                    4371,
                    4465,
                    4560,
                    4656,
                    4753,
                    4851,
                    4950,
                    5050,
                ],
            ),
        ),
        modify=variant(
            change="start from the 0th triangular number (0) instead of the first",
            prompt_en="The k-th triangular number is 0 + 1 + 2 + ... + k, so the 0th one is 0. Return the first n triangular numbers starting from k = 0: [0, 1, 3, 6, 10, ...]. If n <= 0, return []. If n is larger than 100, return only the first 100.",
            prompt_zh="第 k 个三角形数等于 0 + 1 + 2 + … + k，因此第 0 个三角形数是 0。从 k = 0 开始，返回前 n 个三角形数：[0, 1, 3, 6, 10, …]。n <= 0 时返回 []；n 大于 100 时只返回前 100 个。",
            solution="""
                def triangular_first_n(n: int) -> list[int]:
                    return [k * (k + 1) // 2 for k in range(max(0, min(n, 100)))]
            """,
            cases=cases(
                ([0], []),
                ([-3], []),
                ([1], [0]),
                ([2], [0, 1]),
                ([5], [0, 1, 3, 6, 10]),
                ([8], [0, 1, 3, 6, 10, 15, 21, 28]),
                (
                    [101],
                    [
                        0,
                        1,
                        3,
                        6,
                        10,
                        15,
                        21,
                        28,
                        36,
                        45,
                        55,
                        66,
                        78,
                        91,
                        105,
                        120,
                        136,
                        153,
                        171,
                        190,
                        210,
                        231,
                        253,
                        276,
                        300,
                        325,
                        351,
                        378,
                        406,
                        435,
                        465,
                        496,
                        528,
                        561,
                        595,
                        630,
                        666,
                        703,
                        741,
                        780,
                        820,
                        861,
                        903,
                        946,
                        990,
                        1035,
                        1081,
                        1128,
                        1176,
                        1225,
                        1275,
                        1326,
                        1378,
                        1431,
                        1485,
                        1540,
                        1596,
                        1653,
                        1711,
                        1770,
                        1830,
                        1891,
                        1953,
                        2016,
                        2080,
                        2145,
                        2211,
                        2278,
                        2346,
                        2415,
                        2485,
                        2556,
                        2628,
                        2701,
                        2775,
                        2850,
                        2926,
                        3003,
                        3081,
                        3160,
                        3240,
                        3321,
                        3403,
                        3486,
                        3570,
                        3655,
                        3741,
                        3828,
                        3916,
                        4005,
                        4095,
                        4186,
                        4278,
                        4371,
                        4465,
                        4560,
                        4656,
                        4753,
                        4851,
                        4950,
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="collatz_steps",
        params=[("n", "int")],
        returns="int",
        difficulty=1,
        tags=["collatz", "simulation", "loop"],
        prompt_en="Starting from n, repeatedly apply the Collatz rule: if the current value is even, halve it; if it is odd, replace it with 3 * value + 1. Return the number of steps needed to reach 1. If n <= 1, return 0.",
        prompt_zh="从 n 出发反复执行考拉兹（Collatz）变换：当前值为偶数时除以 2，为奇数时变为 3 * 当前值 + 1。返回变到 1 所需的步数。n <= 1 时返回 0。",
        solution="""
            def collatz_steps(n: int) -> int:
                steps = 0
                while n > 1:
                    n = n // 2 if n % 2 == 0 else 3 * n + 1
                    steps += 1
                return steps
        """,
        cases=cases(
            ([1], 0),
            ([0], 0),
            ([-7], 0),
            ([2], 1),
            ([6], 8),
            ([7], 16),
            ([27], 111),
            ([1000000], 152),
        ),
        modify=variant(
            change="count only the 3 * value + 1 steps, not the halving steps",
            prompt_en="Starting from n, repeatedly apply the Collatz rule until the value reaches 1: if the current value is even, halve it; if it is odd, replace it with 3 * value + 1. Return how many of those steps were 3 * value + 1 steps (the halving steps are not counted). If n <= 1, return 0.",
            prompt_zh="从 n 出发反复执行考拉兹（Collatz）变换，直到变为 1：当前值为偶数时除以 2，为奇数时变为 3 * 当前值 + 1。返回其中“乘 3 加 1”的步数（除以 2 的步骤不计入）。n <= 1 时返回 0。",
            solution="""
                def collatz_steps(n: int) -> int:
                    odd_steps = 0
                    while n > 1:
                        if n % 2 == 0:
                            n //= 2
                        else:
                            n = 3 * n + 1
                            odd_steps += 1
                    return odd_steps
            """,
            cases=cases(
                ([1], 0),
                ([0], 0),
                ([-7], 0),
                ([8], 0),
                ([6], 2),
                ([7], 5),
                ([27], 41),
                ([1000000], 51),
            ),
        ),
    ),
    atom(
        slug="recaman_first_n",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=2,
        tags=["recaman", "recurrence", "set-membership", "generate"],
        prompt_en="Return the first n terms of the Recamán sequence: a(0) = 0, and for k >= 1, a(k) = a(k-1) - k if that number is positive and has not appeared earlier in the sequence; otherwise a(k) = a(k-1) + k. It begins 0, 1, 3, 6, 2, 7, 13, 20, ... If n <= 0, return []. If n is larger than 100, return only the first 100 terms.",
        prompt_zh="返回 Recamán 数列的前 n 项。a(0) = 0；对于 k >= 1，如果 a(k-1) - k 是正数并且在数列前面还没出现过，则 a(k) = a(k-1) - k，否则 a(k) = a(k-1) + k。数列开头为 0, 1, 3, 6, 2, 7, 13, 20, …… n <= 0 时返回 []；n 大于 100 时只返回前 100 项。",
        solution="""
            def recaman_first_n(n: int) -> list[int]:
                n = min(n, 100)
                if n <= 0:
                    return []
                seq = [0]
                seen = {0}
                for k in range(1, n):
                    candidate = seq[-1] - k
                    if candidate <= 0 or candidate in seen:
                        candidate = seq[-1] + k
                    seq.append(candidate)
                    seen.add(candidate)
                return seq
        """,
        cases=cases(
            ([0], []),
            ([-1], []),
            ([1], [0]),
            ([2], [0, 1]),
            ([5], [0, 1, 3, 6, 2]),
            ([20], [0, 1, 3, 6, 2, 7, 13, 20, 12, 21, 11, 22, 10, 23, 9, 24, 8, 25, 43, 62]),
            (
                [1000000],
                [
                    0,
                    1,
                    3,
                    6,
                    2,
                    7,
                    13,
                    20,
                    12,
                    21,
                    11,
                    22,
                    10,
                    23,
                    9,
                    24,
                    8,
                    25,
                    43,
                    62,
                    42,
                    63,
                    41,
                    18,
                    42,
                    17,
                    43,
                    16,
                    44,
                    15,
                    45,
                    14,
                    46,
                    79,
                    113,
                    78,
                    114,
                    77,
                    39,
                    78,
                    38,
                    79,
                    37,
                    80,
                    36,
                    81,
                    35,
                    82,
                    34,
                    83,
                    33,
                    84,
                    32,
                    85,
                    31,
                    86,
                    30,
                    87,
                    29,
                    88,
                    28,
                    89,
                    27,
                    90,
                    26,
                    91,
                    157,
                    224,
                    156,
                    225,
                    155,
                    226,
                    154,
                    227,
                    153,
                    228,
                    152,
                    75,
                    153,
                    74,
                    154,
                    73,
                    155,
                    72,
                    156,
                    71,
                    157,
                    70,
                    158,
                    69,
                    159,
                    68,
                    160,
                    67,
                    161,
                    66,
                    162,
                    65,
                    163,
                    64,
                ],
            ),
        ),
        modify=variant(
            change="no memory: step back whenever the result is positive, even if it repeats a term",
            prompt_en="Build the sequence a(0) = 0 and, for k >= 1, a(k) = a(k-1) - k if that number is positive, otherwise a(k) = a(k-1) + k. Unlike Recamán's sequence there is no check against earlier terms, so values may repeat. It begins 0, 1, 3, 6, 2, 7, 1, 8, ... Return its first n terms. If n <= 0, return []. If n is larger than 100, return only the first 100 terms.",
            prompt_zh="构造数列：a(0) = 0；对于 k >= 1，如果 a(k-1) - k 是正数，则 a(k) = a(k-1) - k，否则 a(k) = a(k-1) + k。和 Recamán 数列不同，这里不检查该值是否在前面出现过，所以数值可以重复。数列开头为 0, 1, 3, 6, 2, 7, 1, 8, …… 返回它的前 n 项。n <= 0 时返回 []；n 大于 100 时只返回前 100 项。",
            solution="""
                def recaman_first_n(n: int) -> list[int]:
                    n = min(n, 100)
                    if n <= 0:
                        return []
                    seq = [0]
                    for k in range(1, n):
                        candidate = seq[-1] - k
                        if candidate <= 0:
                            candidate = seq[-1] + k
                        seq.append(candidate)
                    return seq
            """,
            cases=cases(
                ([0], []),
                ([-1], []),
                ([1], [0]),
                ([2], [0, 1]),
                ([5], [0, 1, 3, 6, 2]),
                ([20], [0, 1, 3, 6, 2, 7, 1, 8, 16, 7, 17, 6, 18, 5, 19, 4, 20, 3, 21, 2]),
                (
                    [1000000],
                    [
                        0,
                        1,
                        3,
                        6,
                        2,
                        7,
                        1,
                        8,
                        16,
                        7,
                        17,
                        6,
                        18,
                        5,
                        19,
                        4,
                        20,
                        3,
                        21,
                        2,
                        22,
                        1,
                        23,
                        46,
                        22,
                        47,
                        21,
                        48,
                        20,
                        49,
                        19,
                        50,
                        18,
                        51,
                        17,
                        52,
                        16,
                        53,
                        15,
                        54,
                        14,
                        55,
                        13,
                        56,
                        12,
                        57,
                        11,
                        58,
                        10,
                        59,
                        9,
                        60,
                        8,
                        61,
                        7,
                        62,
                        6,
                        63,
                        5,
                        64,
                        4,
                        65,
                        3,
                        66,
                        2,
                        67,
                        1,
                        68,
                        136,
                        67,
                        137,
                        66,
                        138,
                        65,
                        139,
                        64,
                        140,
                        63,
                        141,
                        62,
                        142,
                        61,
                        143,
                        60,
                        144,
                        59,
                        145,
                        58,
                        146,
                        57,
                        147,
                        56,
                        148,
                        55,
                        149,
                        54,
                        150,
                        53,
                        151,
                        52,
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="zeckendorf",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=3,
        tags=["fibonacci", "greedy", "representation"],
        prompt_en="Write n as a sum of Fibonacci numbers with the greedy method: repeatedly take the largest Fibonacci number from 1, 2, 3, 5, 8, 13, 21, ... that does not exceed what is still left, and subtract it, until nothing is left. Return the numbers taken, largest first (this is n's Zeckendorf representation; no number is used twice). If n <= 0, return [].",
        prompt_zh="用贪心法把 n 写成若干斐波那契数之和：每次从 1, 2, 3, 5, 8, 13, 21, … 中选出不超过剩余值的最大的那个数并减去它，直到剩余为 0。按从大到小的顺序返回选出的数（这就是 n 的 Zeckendorf 表示，同一个数不会用两次）。n <= 0 时返回 []。",
        solution="""
            def zeckendorf(n: int) -> list[int]:
                if n <= 0:
                    return []
                fibs = [1, 2]
                while fibs[-1] + fibs[-2] <= n:
                    fibs.append(fibs[-1] + fibs[-2])
                out = []
                for f in reversed(fibs):
                    if f <= n:
                        out.append(f)
                        n -= f
                return out
        """,
        cases=cases(
            ([0], []),
            ([-4], []),
            ([1], [1]),
            ([2], [2]),
            ([4], [3, 1]),
            ([12], [8, 3, 1]),
            ([100], [89, 8, 3]),
            ([1000000], [832040, 121393, 46368, 144, 55]),
        ),
        modify=variant(
            change="return the parts in ascending order",
            prompt_en="Write n as a sum of Fibonacci numbers with the greedy method: repeatedly take the largest Fibonacci number from 1, 2, 3, 5, 8, 13, 21, ... that does not exceed what is still left, and subtract it, until nothing is left. Return the numbers taken in ascending order, smallest first (no number is used twice). If n <= 0, return [].",
            prompt_zh="用贪心法把 n 写成若干斐波那契数之和：每次从 1, 2, 3, 5, 8, 13, 21, … 中选出不超过剩余值的最大的那个数并减去它，直到剩余为 0。把选出的数按从小到大的顺序返回（同一个数不会用两次）。n <= 0 时返回 []。",
            solution="""
                def zeckendorf(n: int) -> list[int]:
                    if n <= 0:
                        return []
                    fibs = [1, 2]
                    while fibs[-1] + fibs[-2] <= n:
                        fibs.append(fibs[-1] + fibs[-2])
                    out = []
                    for f in reversed(fibs):
                        if f <= n:
                            out.append(f)
                            n -= f
                    return out[::-1]
            """,
            cases=cases(
                ([0], []),
                ([-4], []),
                ([1], [1]),
                ([3], [3]),
                ([4], [1, 3]),
                ([12], [1, 3, 8]),
                ([100], [3, 8, 89]),
                ([1000000], [55, 144, 46368, 121393, 832040]),
            ),
        ),
    ),
    atom(
        slug="pascal_row",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=2,
        tags=["pascal-triangle", "binomial", "generate"],
        prompt_en="Return row n of Pascal's triangle, counting rows from 0: row 0 is [1], row 1 is [1, 1], row 2 is [1, 2, 1]. Entry k of row n is the binomial coefficient C(n, k). If n < 0, return []. If n is larger than 30, return row 30.",
        prompt_zh="返回杨辉三角（帕斯卡三角）的第 n 行，行号从 0 开始：第 0 行是 [1]，第 1 行是 [1, 1]，第 2 行是 [1, 2, 1]。第 n 行的第 k 个数是组合数 C(n, k)。n < 0 时返回 []；n 大于 30 时返回第 30 行。",
        solution="""
            def pascal_row(n: int) -> list[int]:
                if n < 0:
                    return []
                row = [1]
                for _ in range(min(n, 30)):
                    row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
                return row
        """,
        cases=cases(
            ([-1], []),
            ([0], [1]),
            ([1], [1, 1]),
            ([2], [1, 2, 1]),
            ([4], [1, 4, 6, 4, 1]),
            ([7], [1, 7, 21, 35, 35, 21, 7, 1]),
            (
                [1000000],
                [
                    1,
                    30,
                    435,
                    4060,
                    27405,
                    142506,
                    593775,
                    2035800,
                    5852925,
                    14307150,
                    30045015,
                    54627300,
                    86493225,
                    119759850,
                    145422675,
                    155117520,
                    145422675,
                    119759850,
                    86493225,
                    54627300,
                    30045015,
                    14307150,
                    5852925,
                    2035800,
                    593775,
                    142506,
                    27405,
                    4060,
                    435,
                    30,
                    1,
                ],
            ),
        ),
        modify=variant(
            change="alternate the signs of the entries",
            prompt_en="Return row n of Pascal's triangle with alternating signs, counting rows from 0: entry k is (-1)^k * C(n, k), so row 0 is [1], row 1 is [1, -1] and row 2 is [1, -2, 1]. If n < 0, return []. If n is larger than 30, return that signed row for n = 30.",
            prompt_zh="返回带交替符号的杨辉三角第 n 行，行号从 0 开始：第 k 个数为 (-1)^k * C(n, k)，因此第 0 行是 [1]，第 1 行是 [1, -1]，第 2 行是 [1, -2, 1]。n < 0 时返回 []；n 大于 30 时按 n = 30 计算。",
            solution="""
                def pascal_row(n: int) -> list[int]:
                    if n < 0:
                        return []
                    row = [1]
                    for _ in range(min(n, 30)):
                        row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
                    return [v if k % 2 == 0 else -v for k, v in enumerate(row)]
            """,
            cases=cases(
                ([-1], []),
                ([0], [1]),
                ([1], [1, -1]),
                ([2], [1, -2, 1]),
                ([4], [1, -4, 6, -4, 1]),
                ([7], [1, -7, 21, -35, 35, -21, 7, -1]),
                (
                    [31],
                    [
                        1,
                        -30,
                        435,
                        -4060,
                        27405,
                        -142506,
                        593775,
                        -2035800,
                        5852925,
                        -14307150,
                        30045015,
                        -54627300,
                        86493225,
                        -119759850,
                        145422675,
                        -155117520,
                        145422675,
                        -119759850,
                        86493225,
                        -54627300,
                        30045015,
                        -14307150,
                        5852925,
                        -2035800,
                        593775,
                        -142506,
                        27405,
                        -4060,
                        435,
                        -30,
                        1,
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="look_and_say_nth",
        params=[("n", "int")],
        returns="str",
        difficulty=2,
        tags=["look-and-say", "run-length", "iteration"],
        prompt_en='The look-and-say sequence starts with "1". Each later term reads the previous term aloud, group by group of equal consecutive digits, writing the count followed by the digit: "1" -> "11" (one 1) -> "21" (two 1s) -> "1211" -> "111221" -> ... Return term n as a string, where term 1 is "1". If n <= 1, return "1". If n is larger than 15, return term 15.',
        prompt_zh='外观数列（look-and-say）的第 1 项是 "1"。之后每一项都是把前一项“读出来”：把连续相同的数字分成一组，依次写下每组的个数和该数字，例如 "1" -> "11"（一个 1）-> "21"（两个 1）-> "1211" -> "111221" -> …… 以字符串形式返回第 n 项。n <= 1 时返回 "1"；n 大于 15 时返回第 15 项。',
        solution="""
            def look_and_say_nth(n: int) -> str:
                term = "1"
                for _ in range(min(n, 15) - 1):
                    parts = []
                    i = 0
                    while i < len(term):
                        j = i
                        while j < len(term) and term[j] == term[i]:
                            j += 1
                        parts.append(str(j - i) + term[i])
                        i = j
                    term = "".join(parts)
                return term
        """,
        cases=cases(
            ([1], "1"),
            ([0], "1"),
            ([-3], "1"),
            ([2], "11"),
            ([3], "21"),
            ([5], "111221"),
            ([8], "1113213211"),
            ([1000000], "311311222113111231131112132112311321322112111312211312111322212311322113212221"),
        ),
        modify=variant(
            change="write each group as the digit followed by its count",
            prompt_en='Build a look-and-say-like sequence that starts with "1". Each later term describes the previous term group by group of equal consecutive digits, writing the digit first and then how many times it repeats: "1" -> "11" (1, once) -> "12" (1, twice) -> "1121" -> "122111" -> ... Return term n as a string, where term 1 is "1". If n <= 1, return "1". If n is larger than 15, return term 15.',
            prompt_zh='构造一个类似外观数列的序列，第 1 项是 "1"。之后每一项都按连续相同的数字分组来描述前一项，但每组先写该数字，再写它连续出现的次数："1" -> "11"（1 出现一次）-> "12"（1 出现两次）-> "1121" -> "122111" -> …… 以字符串形式返回第 n 项。n <= 1 时返回 "1"；n 大于 15 时返回第 15 项。',
            solution="""
                def look_and_say_nth(n: int) -> str:
                    term = "1"
                    for _ in range(min(n, 15) - 1):
                        parts = []
                        i = 0
                        while i < len(term):
                            j = i
                            while j < len(term) and term[j] == term[i]:
                                j += 1
                            parts.append(term[i] + str(j - i))
                            i = j
                        term = "".join(parts)
                    return term
            """,
            cases=cases(
                ([1], "1"),
                ([0], "1"),
                ([2], "11"),
                ([3], "12"),
                ([4], "1121"),
                ([5], "122111"),
                ([8], "1123123111"),
                ([16], "122212311223113212223111213112213111211223123113211231211131132111311222113113"),
            ),
        ),
    ),
    atom(
        slug="van_eck_first_n",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=3,
        tags=["van-eck", "recurrence", "last-occurrence", "generate"],
        prompt_en="Return the first n terms of Van Eck's sequence. It starts with a(0) = 0. After each term a(k): if the value a(k) already appeared at some earlier position, the next term a(k+1) is k - j, where j is the most recent earlier position holding that value; otherwise a(k+1) = 0. It begins 0, 0, 1, 0, 2, 0, 2, 2, 1, 6, ... If n <= 0, return []. If n is larger than 100, return only the first 100 terms.",
        prompt_zh="返回 Van Eck 数列的前 n 项。数列从 a(0) = 0 开始。对于每一项 a(k)：如果这个值在更早的位置出现过，设 j 为它在 k 之前最近一次出现的位置，则下一项 a(k+1) = k - j；否则 a(k+1) = 0。数列开头为 0, 0, 1, 0, 2, 0, 2, 2, 1, 6, …… n <= 0 时返回 []；n 大于 100 时只返回前 100 项。",
        solution="""
            def van_eck_first_n(n: int) -> list[int]:
                n = min(n, 100)
                if n <= 0:
                    return []
                seq = [0]
                last_pos: dict[int, int] = {}
                for k in range(n - 1):
                    value = seq[k]
                    seq.append(k - last_pos[value] if value in last_pos else 0)
                    last_pos[value] = k
                return seq
        """,
        cases=cases(
            ([0], []),
            ([-2], []),
            ([1], [0]),
            ([2], [0, 0]),
            ([3], [0, 0, 1]),
            ([10], [0, 0, 1, 0, 2, 0, 2, 2, 1, 6]),
            (
                [1000000],
                [
                    0,
                    0,
                    1,
                    0,
                    2,
                    0,
                    2,
                    2,
                    1,
                    6,
                    0,
                    5,
                    0,
                    2,
                    6,
                    5,
                    4,
                    0,
                    5,
                    3,
                    0,
                    3,
                    2,
                    9,
                    0,
                    4,
                    9,
                    3,
                    6,
                    14,
                    0,
                    6,
                    3,
                    5,
                    15,
                    0,
                    5,
                    3,
                    5,
                    2,
                    17,
                    0,
                    6,
                    11,
                    0,
                    3,
                    8,
                    0,
                    3,
                    3,
                    1,
                    42,
                    0,
                    5,
                    15,
                    20,
                    0,
                    4,
                    32,
                    0,
                    3,
                    11,
                    18,
                    0,
                    4,
                    7,
                    0,
                    3,
                    7,
                    3,
                    2,
                    31,
                    0,
                    6,
                    31,
                    3,
                    6,
                    3,
                    2,
                    8,
                    33,
                    0,
                    9,
                    56,
                    0,
                    3,
                    8,
                    7,
                    19,
                    0,
                    5,
                    37,
                    0,
                    3,
                    8,
                    8,
                    1,
                    46,
                    0,
                    6,
                ],
            ),
        ),
        modify=variant(
            change="the sequence starts from a(0) = 1 instead of 0",
            prompt_en="Return the first n terms of a Van Eck style sequence that starts with a(0) = 1 (not 0). After each term a(k): if the value a(k) already appeared at some earlier position, the next term a(k+1) is k - j, where j is the most recent earlier position holding that value; otherwise a(k+1) = 0. It begins 1, 0, 0, 1, 3, 0, 3, 2, 0, 3, ... If n <= 0, return []. If n is larger than 100, return only the first 100 terms.",
            prompt_zh="返回一个 Van Eck 型数列的前 n 项，它从 a(0) = 1 开始（不是 0）。对于每一项 a(k)：如果这个值在更早的位置出现过，设 j 为它在 k 之前最近一次出现的位置，则下一项 a(k+1) = k - j；否则 a(k+1) = 0。数列开头为 1, 0, 0, 1, 3, 0, 3, 2, 0, 3, …… n <= 0 时返回 []；n 大于 100 时只返回前 100 项。",
            solution="""
                def van_eck_first_n(n: int) -> list[int]:
                    n = min(n, 100)
                    if n <= 0:
                        return []
                    seq = [1]
                    last_pos: dict[int, int] = {}
                    for k in range(n - 1):
                        value = seq[k]
                        seq.append(k - last_pos[value] if value in last_pos else 0)
                        last_pos[value] = k
                    return seq
            """,
            cases=cases(
                ([0], []),
                ([-2], []),
                ([1], [1]),
                ([2], [1, 0]),
                ([3], [1, 0, 0]),
                ([12], [1, 0, 0, 1, 3, 0, 3, 2, 0, 3, 3, 1]),
                (
                    [1000000],
                    [
                        1,
                        0,
                        0,
                        1,
                        3,
                        0,
                        3,
                        2,
                        0,
                        3,
                        3,
                        1,
                        8,
                        0,
                        5,
                        0,
                        2,
                        9,
                        0,
                        3,
                        9,
                        3,
                        2,
                        6,
                        0,
                        6,
                        2,
                        4,
                        0,
                        4,
                        2,
                        4,
                        2,
                        2,
                        1,
                        23,
                        0,
                        8,
                        25,
                        0,
                        3,
                        19,
                        0,
                        3,
                        3,
                        1,
                        11,
                        0,
                        5,
                        34,
                        0,
                        3,
                        7,
                        0,
                        3,
                        3,
                        1,
                        11,
                        11,
                        1,
                        3,
                        5,
                        13,
                        0,
                        10,
                        0,
                        2,
                        33,
                        0,
                        3,
                        9,
                        50,
                        0,
                        4,
                        42,
                        0,
                        3,
                        7,
                        25,
                        40,
                        0,
                        5,
                        20,
                        0,
                        3,
                        8,
                        48,
                        0,
                        4,
                        15,
                        0,
                        3,
                        7,
                        15,
                        4,
                        6,
                        70,
                        0,
                        7,
                        6,
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="next_term_by_differences",
        params=[("nums", "list[int]")],
        returns="int",
        difficulty=3,
        tags=["finite-differences", "extrapolation", "sequence"],
        prompt_en="Predict the next term of the integer sequence nums by finite differences. Below the sequence, write the differences between neighbouring terms, then the differences of those, and so on, stopping at the first row that is empty or all zeros. The predicted next term is the sum of the last elements of all the rows above that stopping row (the original sequence included). So an empty list gives 0, a single element predicts itself, [1, 3, 6, 10] gives 15, and [0, 0] gives 0.",
        prompt_zh="用差分法预测整数数列 nums 的下一项：在数列下面写出相邻两项之差，再写这一行的相邻差，如此反复，直到某一行为空或全为 0 为止。预测的下一项等于停止行之上所有行（包括原数列）最后一个元素之和。因此空列表返回 0，只有一个元素时预测值就是它本身，[1, 3, 6, 10] 得到 15，[0, 0] 得到 0。",
        solution="""
            def next_term_by_differences(nums: list[int]) -> int:
                total = 0
                row = list(nums)
                while row and any(row):
                    total += row[-1]
                    row = [row[i + 1] - row[i] for i in range(len(row) - 1)]
                return total
        """,
        cases=cases(
            ([[]], 0),
            ([[5]], 5),
            ([[0, 0]], 0),
            ([[1, 2, 3]], 4),
            ([[0, 3, 6, 9, 12, 15]], 18),
            ([[1, 3, 6, 10, 15, 21]], 28),
            ([[10, 13, 16, 21, 30, 45]], 68),
            ([[-2, -4, -6]], -8),
            ([[1000000, 0]], -1000000),
        ),
        modify=variant(
            change="extrapolate backwards: predict the term before the first one",
            prompt_en="Predict the term that would come just before the first term of the integer sequence nums, by finite differences. Below the sequence, write the differences between neighbouring terms (later minus earlier), then the differences of those, and so on, stopping at the first row that is empty or all zeros. Working back up, the value before each row's first element is that first element minus the value before the first element of the row below, so the answer is the alternating sum r0[0] - r1[0] + r2[0] - ... of the first elements of the rows above the stopping row. An empty list gives 0 and a single element predicts itself; [1, 3, 6, 10] gives 0.",
            prompt_zh="用差分法向前推测整数数列 nums 第一项之前的那一项：在数列下面写出相邻两项之差（后一项减前一项），再写这一行的相邻差，如此反复，直到某一行为空或全为 0 为止。从下往上倒推：每一行首元素之前的值，等于该行首元素减去下一行首元素之前的值，所以答案是停止行之上各行首元素的交错和 r0[0] - r1[0] + r2[0] - ……。空列表返回 0，只有一个元素时结果就是它本身；[1, 3, 6, 10] 得到 0。",
            solution="""
                def next_term_by_differences(nums: list[int]) -> int:
                    total = 0
                    sign = 1
                    row = list(nums)
                    while row and any(row):
                        total += sign * row[0]
                        sign = -sign
                        row = [row[i + 1] - row[i] for i in range(len(row) - 1)]
                    return total
            """,
            cases=cases(
                ([[]], 0),
                ([[5]], 5),
                ([[0, 0]], 0),
                ([[1, 2, 3]], 0),
                ([[0, 3, 6, 9, 12, 15]], -3),
                ([[1, 3, 6, 10, 15, 21]], 0),
                ([[10, 13, 16, 21, 30, 45]], 5),
                ([[-2, -4, -6]], 0),
                ([[1000000, 0]], 2000000),
            ),
        ),
    ),
    atom(
        slug="longest_arithmetic_run",
        params=[("nums", "list[int]")],
        returns="int",
        difficulty=2,
        tags=["arithmetic-progression", "contiguous-run", "scan"],
        prompt_en="Return the length of the longest contiguous stretch of nums in which all neighbouring elements differ by the same amount (an arithmetic progression; the common difference may be zero or negative). A single element, and any two neighbours, already form such a stretch. An empty list gives 0.",
        prompt_zh="返回 nums 中最长的一段连续子数组的长度，要求这一段里相邻元素之差全都相同（即构成等差数列，公差可以为 0，也可以为负）。单个元素、任意两个相邻元素都算这样的一段。空列表返回 0。",
        solution="""
            def longest_arithmetic_run(nums: list[int]) -> int:
                if len(nums) < 2:
                    return len(nums)
                best = current = 2
                for i in range(2, len(nums)):
                    if nums[i] - nums[i - 1] == nums[i - 1] - nums[i - 2]:
                        current += 1
                    else:
                        current = 2
                    best = max(best, current)
                return best
        """,
        cases=cases(
            ([[]], 0),
            ([[4]], 1),
            ([[1, 2]], 2),
            ([[1, 3, 5, 7, 2, 4]], 4),
            ([[5, 5, 5, 5]], 4),
            ([[10, 7, 4, 1, 0]], 4),
            ([[-1000000, 0, 1000000, 5]], 3),
            ([[1, 2, 4, 8, 16]], 2),
        ),
        modify=variant(
            change="only strictly increasing progressions (common difference > 0) count",
            prompt_en="Return the length of the longest contiguous stretch of nums that is a strictly increasing arithmetic progression: every element is larger than the one before it, always by the same positive amount. A single element counts as a stretch of length 1; an empty list gives 0.",
            prompt_zh="返回 nums 中最长的一段连续子数组的长度，要求这一段是严格递增的等差数列：每个元素都比前一个大，而且大出的值都相同（公差为正）。单个元素算长度为 1 的一段；空列表返回 0。",
            solution="""
                def longest_arithmetic_run(nums: list[int]) -> int:
                    if not nums:
                        return 0
                    best = current = 1
                    for i in range(1, len(nums)):
                        step = nums[i] - nums[i - 1]
                        if step <= 0:
                            current = 1
                        elif current >= 2 and step == nums[i - 1] - nums[i - 2]:
                            current += 1
                        else:
                            current = 2
                        best = max(best, current)
                    return best
            """,
            cases=cases(
                ([[]], 0),
                ([[4]], 1),
                ([[2, 1]], 1),
                ([[1, 3, 5, 7, 2, 4]], 4),
                ([[5, 5, 5, 5]], 1),
                ([[10, 7, 4, 1, 0]], 1),
                ([[-1000000, 0, 1000000, 5]], 3),
                ([[1, 2, 4, 8, 16]], 2),
                ([[3, 2, 4, 6, 6, 8]], 3),
            ),
        ),
    ),
]
