"""Arithmetic and number theory: digits, divisors, primes, GCD/LCM, integer roots,
Roman numerals and factorial facts, all on plain (possibly negative or large) integers.

Every atom is total on its types: negative numbers, 0 and values up to about 10^6 (and well
beyond) have a documented result, and no atom loops further than the square root of its input.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "numbers"
TOPIC_TITLE = "Arithmetic and number theory"

ATOMS: list[AtomSpec] = [
    atom(
        slug="digit_sum",
        params=[("n", "int")],
        returns="int",
        difficulty=1,
        tags=["digits"],
        prompt_en="Return the sum of the decimal digits of the integer n. A negative n is treated as its absolute value.",
        prompt_zh="给定整数 n，返回它各位数字之和。n 为负数时，按它的绝对值计算。",
        solution="""
            def digit_sum(n: int) -> int:
                return sum(int(d) for d in str(abs(n)))
        """,
        cases=cases(
            ([0], 0),
            ([7], 7),
            ([123], 6),
            ([-45], 9),
            ([1000000], 1),
            ([987654321], 45),
            ([-909], 18),
        ),
        modify=variant(
            change="alternating sum instead of plain sum",
            prompt_en="Return the alternating sum of the decimal digits of n, starting with + at the most significant digit (for 1234: 1-2+3-4). A negative n is treated as its absolute value.",
            prompt_zh="给定整数 n，从最高位开始交替加减它的各位数字（例如 1234 得到 1-2+3-4），返回结果。n 为负数时按绝对值计算。",
            solution="""
                def digit_sum(n: int) -> int:
                    return sum(int(d) if i % 2 == 0 else -int(d) for i, d in enumerate(str(abs(n))))
            """,
            cases=cases(
                ([0], 0), ([7], 7), ([1234], -2), ([-45], -1), ([1000000], 1), ([121], 0), ([9081], 16)
            ),
        ),
    ),
    atom(
        slug="digits_of_number",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=1,
        tags=["digits", "list-building"],
        prompt_en="Return the list of decimal digits of the integer n, most significant digit first. A negative n is treated as its absolute value, and 0 gives [0].",
        prompt_zh="给定整数 n，按从高位到低位的顺序返回它的各位数字组成的列表。n 为负数时按绝对值处理；n 为 0 时返回 [0]。",
        solution="""
            def digits_of_number(n: int) -> list[int]:
                return [int(d) for d in str(abs(n))]
        """,
        cases=cases(
            ([0], [0]),
            ([7], [7]),
            ([123], [1, 2, 3]),
            ([-405], [4, 0, 5]),
            ([1000000], [1, 0, 0, 0, 0, 0, 0]),
            ([9081726354], [9, 0, 8, 1, 7, 2, 6, 3, 5, 4]),
        ),
        modify=variant(
            change="least significant digit first",
            prompt_en="Return the list of decimal digits of the integer n, least significant digit first (for 123: [3, 2, 1]). A negative n is treated as its absolute value, and 0 gives [0].",
            prompt_zh="给定整数 n，从个位开始、由低位到高位返回它的各位数字组成的列表（例如 123 得到 [3, 2, 1]）。n 为负数时按绝对值处理；n 为 0 时返回 [0]。",
            solution="""
                def digits_of_number(n: int) -> list[int]:
                    return [int(d) for d in reversed(str(abs(n)))]
            """,
            cases=cases(
                ([0], [0]),
                ([5], [5]),
                ([123], [3, 2, 1]),
                ([-405], [5, 0, 4]),
                ([1000], [0, 0, 0, 1]),
                ([98], [8, 9]),
            ),
        ),
    ),
    atom(
        slug="count_divisors",
        params=[("n", "int")],
        returns="int",
        difficulty=2,
        tags=["divisors", "math"],
        prompt_en="Return the number of positive divisors of |n| (the absolute value of n). For n = 0 return 0.",
        prompt_zh="给定整数 n，返回 |n|（n 的绝对值）的正因数个数。n 为 0 时返回 0。",
        solution="""
            def count_divisors(n: int) -> int:
                n = abs(n)
                if n == 0:
                    return 0
                count = 0
                i = 1
                while i * i <= n:
                    if n % i == 0:
                        count += 1 if i * i == n else 2
                    i += 1
                return count
        """,
        cases=cases(
            ([0], 0),
            ([1], 1),
            ([7], 2),
            ([12], 6),
            ([-36], 9),
            ([360], 24),
            ([1000000], 49),
            ([997], 2),
        ),
        modify=variant(
            change="sum of the divisors instead of their count",
            prompt_en="Return the sum of all positive divisors of |n| (the absolute value of n), including 1 and |n| itself. For n = 0 return 0.",
            prompt_zh="给定整数 n，返回 |n|（n 的绝对值）所有正因数之和，1 和 |n| 本身都算在内。n 为 0 时返回 0。",
            solution="""
                def count_divisors(n: int) -> int:
                    n = abs(n)
                    total = 0
                    i = 1
                    while i * i <= n:
                        if n % i == 0:
                            total += i
                            if i * i != n:
                                total += n // i
                        i += 1
                    return total
            """,
            cases=cases(
                ([0], 0),
                ([1], 1),
                ([7], 8),
                ([12], 28),
                ([-36], 91),
                ([28], 56),
                ([1000000], 2480437),
            ),
        ),
    ),
    atom(
        slug="prime_factors",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=2,
        tags=["prime", "factorization"],
        prompt_en="Return the prime factorisation of |n| as a list of primes in ascending order, each prime repeated as many times as it divides |n| (12 gives [2, 2, 3]). For |n| < 2 return an empty list.",
        prompt_zh="给定整数 n，对 |n| 做质因数分解，按从小到大的顺序返回所有质因数，每个质因数出现的次数与它在分解式中的次数相同（例如 12 得到 [2, 2, 3]）。|n| < 2 时返回空列表。",
        solution="""
            def prime_factors(n: int) -> list[int]:
                n = abs(n)
                factors = []
                d = 2
                while d * d <= n:
                    while n % d == 0:
                        factors.append(d)
                        n //= d
                    d += 1
                if n > 1:
                    factors.append(n)
                return factors
        """,
        cases=cases(
            ([0], []),
            ([1], []),
            ([-1], []),
            ([2], [2]),
            ([12], [2, 2, 3]),
            ([-90], [2, 3, 3, 5]),
            ([97], [97]),
            ([1000000], [2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5]),
            ([999983], [999983]),
        ),
        modify=variant(
            change="each prime listed once (distinct prime factors)",
            prompt_en="Return the distinct prime factors of |n| in ascending order, each prime listed only once no matter how often it divides |n| (12 gives [2, 3]). For |n| < 2 return an empty list.",
            prompt_zh="给定整数 n，按从小到大的顺序返回 |n| 的所有不同质因数，每个质因数只列一次，不管它整除 |n| 多少次（例如 12 得到 [2, 3]）。|n| < 2 时返回空列表。",
            solution="""
                def prime_factors(n: int) -> list[int]:
                    n = abs(n)
                    factors = []
                    d = 2
                    while d * d <= n:
                        if n % d == 0:
                            factors.append(d)
                            while n % d == 0:
                                n //= d
                        d += 1
                    if n > 1:
                        factors.append(n)
                    return factors
            """,
            cases=cases(
                ([0], []),
                ([1], []),
                ([12], [2, 3]),
                ([-90], [2, 3, 5]),
                ([97], [97]),
                ([1000000], [2, 5]),
                ([1024], [2]),
                ([30], [2, 3, 5]),
            ),
        ),
    ),
    atom(
        slug="is_prime",
        params=[("n", "int")],
        returns="bool",
        difficulty=2,
        tags=["prime", "predicate"],
        prompt_en="Return True if n is a prime number and False otherwise. Numbers below 2, including 0, 1 and every negative number, are not prime.",
        prompt_zh="判断整数 n 是否为质数，是则返回 True，否则返回 False。小于 2 的数（包括 0、1 和所有负数）都不是质数。",
        solution="""
            def is_prime(n: int) -> bool:
                if n < 2:
                    return False
                if n % 2 == 0:
                    return n == 2
                i = 3
                while i * i <= n:
                    if n % i == 0:
                        return False
                    i += 2
                return True
        """,
        cases=cases(
            ([-7], False),
            ([0], False),
            ([1], False),
            ([2], True),
            ([9], False),
            ([97], True),
            ([1000000], False),
            ([999983], True),
        ),
        modify=variant(
            change="negative numbers are judged by their absolute value",
            prompt_en="Return True if |n|, the absolute value of n, is a prime number, and False otherwise (so -7 counts as prime). 0 and ±1 are not prime.",
            prompt_zh="判断整数 n 的绝对值 |n| 是否为质数，是则返回 True，否则返回 False（因此 -7 也算质数）。0 和 ±1 都不是质数。",
            solution="""
                def is_prime(n: int) -> bool:
                    n = abs(n)
                    if n < 2:
                        return False
                    if n % 2 == 0:
                        return n == 2
                    i = 3
                    while i * i <= n:
                        if n % i == 0:
                            return False
                        i += 2
                    return True
            """,
            cases=cases(
                ([-7], True),
                ([-1], False),
                ([0], False),
                ([2], True),
                ([-4], False),
                ([999983], True),
                ([-97], True),
            ),
        ),
    ),
    atom(
        slug="gcd_of_list",
        params=[("xs", "list[int]")],
        returns="int",
        difficulty=2,
        tags=["gcd", "aggregate"],
        prompt_en="Return the greatest common divisor of all integers in xs, ignoring signs (the result is never negative). Zeros do not change the result (gcd(0, x) = |x|), so a list of only zeros gives 0, and an empty list also gives 0.",
        prompt_zh="给定整数列表 xs，返回其中所有数的最大公约数，符号忽略不计（结果不会是负数）。0 不影响结果（gcd(0, x) = |x|），因此全为 0 的列表返回 0，空列表也返回 0。",
        solution="""
            def gcd_of_list(xs: list[int]) -> int:
                import math

                g = 0
                for x in xs:
                    g = math.gcd(g, x)
                return g
        """,
        cases=cases(
            ([[]], 0),
            ([[7]], 7),
            ([[-12]], 12),
            ([[12, 18]], 6),
            ([[0, 0]], 0),
            ([[0, -15, 25]], 5),
            ([[1000000, 999999]], 1),
            ([[48, 36, 120]], 12),
        ),
        modify=variant(
            change="least common multiple instead of greatest common divisor",
            prompt_en="Return the least common multiple of all integers in xs, ignoring signs (the result is never negative). If any element is 0 the result is 0; an empty list gives 1.",
            prompt_zh="给定整数列表 xs，返回其中所有数的最小公倍数，符号忽略不计（结果不会是负数）。只要有一个元素为 0，结果就是 0；空列表返回 1。",
            solution="""
                def gcd_of_list(xs: list[int]) -> int:
                    import math

                    result = 1
                    for x in xs:
                        if x == 0:
                            return 0
                        x = abs(x)
                        result = result * x // math.gcd(result, x)
                    return result
            """,
            cases=cases(
                ([[]], 1),
                ([[7]], 7),
                ([[-12]], 12),
                ([[12, 18]], 36),
                ([[0, 5]], 0),
                ([[4, 6, 10]], 60),
                ([[2, 3, 5, 7, 11]], 2310),
                ([[-4, -6]], 12),
            ),
        ),
    ),
    atom(
        slug="reverse_integer",
        params=[("n", "int")],
        returns="int",
        difficulty=1,
        tags=["digits"],
        prompt_en="Reverse the decimal digits of n and return the result as an integer with the same sign as n. Leading zeros of the reversed number disappear (1200 gives 21, -10 gives -1).",
        prompt_zh="把整数 n 的各位数字倒过来，作为整数返回，符号与 n 保持一致。倒转后开头的 0 直接去掉（例如 1200 得到 21，-10 得到 -1）。",
        solution="""
            def reverse_integer(n: int) -> int:
                r = int(str(abs(n))[::-1])
                return -r if n < 0 else r
        """,
        cases=cases(
            ([0], 0),
            ([5], 5),
            ([123], 321),
            ([-456], -654),
            ([1200], 21),
            ([-10], -1),
            ([1000000], 1),
            ([987654321], 123456789),
        ),
        modify=variant(
            change="rotate the last digit to the front instead of reversing",
            prompt_en="Move the last decimal digit of n to the front (1234 gives 4123) and return the result as an integer with the same sign as n. Leading zeros of the result disappear (1200 gives 120, 10 gives 1); a single-digit n is unchanged.",
            prompt_zh="把整数 n 的最后一位数字挪到最前面（例如 1234 得到 4123），作为整数返回，符号与 n 保持一致。结果开头的 0 直接去掉（1200 得到 120，10 得到 1）；一位数保持不变。",
            solution="""
                def reverse_integer(n: int) -> int:
                    s = str(abs(n))
                    r = int(s[-1] + s[:-1])
                    return -r if n < 0 else r
            """,
            cases=cases(
                ([0], 0),
                ([5], 5),
                ([1234], 4123),
                ([123], 312),
                ([-456], -645),
                ([1200], 120),
                ([10], 1),
                ([1000000], 100000),
            ),
        ),
    ),
    atom(
        slug="to_roman",
        params=[("n", "int")],
        returns="str",
        difficulty=2,
        tags=["roman-numerals", "string-building", "greedy"],
        prompt_en="Convert n to a Roman numeral in upper case, using the standard subtractive forms IV, IX, XL, XC, CD and CM (1994 gives 'MCMXCIV'). Only 1 to 3999 can be written; for any other n return an empty string.",
        prompt_zh="把整数 n 转换成大写罗马数字，采用标准的减法写法 IV、IX、XL、XC、CD、CM（例如 1994 写成 'MCMXCIV'）。只处理 1 到 3999 之间的数，超出这个范围时返回空字符串。",
        solution="""
            def to_roman(n: int) -> str:
                if n < 1 or n > 3999:
                    return ""
                table = [
                    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"),
                    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                    (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
                ]
                out = []
                for value, symbol in table:
                    while n >= value:
                        out.append(symbol)
                        n -= value
                return "".join(out)
        """,
        cases=cases(
            ([0], ""),
            ([-5], ""),
            ([4000], ""),
            ([1], "I"),
            ([4], "IV"),
            ([9], "IX"),
            ([14], "XIV"),
            ([1994], "MCMXCIV"),
            ([3999], "MMMCMXCIX"),
            ([2024], "MMXXIV"),
        ),
        modify=variant(
            change="purely additive numerals (4 is IIII, 9 is VIIII)",
            prompt_en="Convert n to an old-style, purely additive Roman numeral in upper case: never use subtractive forms, so 4 is 'IIII', 9 is 'VIIII', 40 is 'XXXX' and 900 is 'DCCCC'. Only 1 to 3999 can be written; for any other n return an empty string.",
            prompt_zh="把整数 n 转换成只用加法的古式大写罗马数字：一律不用减法写法，所以 4 写成 'IIII'，9 写成 'VIIII'，40 写成 'XXXX'，900 写成 'DCCCC'。只处理 1 到 3999 之间的数，超出这个范围时返回空字符串。",
            solution="""
                def to_roman(n: int) -> str:
                    if n < 1 or n > 3999:
                        return ""
                    table = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]
                    out = []
                    for value, symbol in table:
                        while n >= value:
                            out.append(symbol)
                            n -= value
                    return "".join(out)
            """,
            cases=cases(
                ([0], ""),
                ([4000], ""),
                ([4], "IIII"),
                ([8], "VIII"),
                ([9], "VIIII"),
                ([14], "XIIII"),
                ([1994], "MDCCCCLXXXXIIII"),
                ([3999], "MMMDCCCCLXXXXVIIII"),
            ),
        ),
    ),
    atom(
        slug="factorial_trailing_zeros",
        params=[("n", "int")],
        returns="int",
        difficulty=3,
        tags=["factorial", "math", "legendre"],
        prompt_en="Return the number of trailing zeros in the decimal representation of n! (n factorial). n can be as large as a million, so do not compute n! itself. For n < 0 return 0.",
        prompt_zh="返回 n 的阶乘 n! 在十进制下末尾有多少个 0。n 可能大到一百万，不要真的去算 n!。n < 0 时返回 0。",
        solution="""
            def factorial_trailing_zeros(n: int) -> int:
                count = 0
                p = 5
                while p <= n:
                    count += n // p
                    p *= 5
                return count
        """,
        cases=cases(
            ([-3], 0),
            ([0], 0),
            ([4], 0),
            ([5], 1),
            ([10], 2),
            ([25], 6),
            ([100], 24),
            ([1000000], 249998),
        ),
        modify=variant(
            change="exponent of 2 in n! instead of the number of trailing zeros",
            prompt_en="Return how many times 2 divides n!, i.e. the exponent of 2 in the prime factorisation of n factorial (4! = 24 = 2^3 * 3 gives 3). n can be as large as a million, so do not compute n! itself. For n < 0 return 0.",
            prompt_zh="返回 n! 能被 2 整除多少次，也就是 n 的阶乘做质因数分解后 2 的指数（例如 4! = 24 = 2^3 × 3，结果为 3）。n 可能大到一百万，不要真的去算 n!。n < 0 时返回 0。",
            solution="""
                def factorial_trailing_zeros(n: int) -> int:
                    count = 0
                    p = 2
                    while p <= n:
                        count += n // p
                        p *= 2
                    return count
            """,
            cases=cases(
                ([-3], 0),
                ([0], 0),
                ([1], 0),
                ([4], 3),
                ([5], 3),
                ([10], 8),
                ([25], 22),
                ([100], 97),
            ),
        ),
    ),
    atom(
        slug="integer_sqrt",
        params=[("n", "int")],
        returns="int",
        difficulty=1,
        tags=["math", "square-root"],
        prompt_en="Return the integer square root of n: the largest integer r with r * r <= n (so 15 gives 3). For negative n return 0.",
        prompt_zh="返回 n 的整数平方根，即满足 r * r <= n 的最大整数 r（例如 15 得到 3）。n 为负数时返回 0。",
        solution="""
            def integer_sqrt(n: int) -> int:
                import math

                return math.isqrt(n) if n > 0 else 0
        """,
        cases=cases(
            ([-4], 0),
            ([0], 0),
            ([1], 1),
            ([3], 1),
            ([4], 2),
            ([15], 3),
            ([999999], 999),
            ([1000000], 1000),
            ([2147483647], 46340),
        ),
        modify=variant(
            change="rounded up instead of down",
            prompt_en="Return the square root of n rounded up to an integer: the smallest integer r with r * r >= n (so 15 gives 4 and 16 gives 4). For negative n return 0.",
            prompt_zh="返回 n 的平方根向上取整的结果，即满足 r * r >= n 的最小整数 r（例如 15 得到 4，16 也得到 4）。n 为负数时返回 0。",
            solution="""
                def integer_sqrt(n: int) -> int:
                    import math

                    if n <= 0:
                        return 0
                    r = math.isqrt(n)
                    return r if r * r == n else r + 1
            """,
            cases=cases(
                ([-4], 0),
                ([0], 0),
                ([1], 1),
                ([2], 2),
                ([3], 2),
                ([4], 2),
                ([15], 4),
                ([999999], 1000),
                ([1000000], 1000),
            ),
        ),
    ),
]
