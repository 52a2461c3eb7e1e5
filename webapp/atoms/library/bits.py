"""Bit manipulation: integers read as strings of binary digits.

Atoms count, locate, reverse and combine the bits of integers, and convert between an int and
its binary string (int -> str and str -> int), so they chain with both number and string
atoms. Unless a prompt says otherwise, a negative input is replaced by its absolute value, so
every atom is defined on every int; the XOR/OR fold over a list is the exception and uses
Python's two's-complement semantics for negative numbers.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "bits"
TOPIC_TITLE = "Bit manipulation"

ATOMS: list[AtomSpec] = [
    atom(
        slug="popcount",
        params=[("n", "int")],
        returns="int",
        difficulty=1,
        tags=["popcount", "binary"],
        prompt_en="Return the number of 1 bits in the binary representation of n. A negative n is replaced by its absolute value.",
        prompt_zh="返回整数 n 的二进制表示中 1 的个数。n 为负数时，按它的绝对值计算。",
        solution="""
            def popcount(n: int) -> int:
                return bin(abs(n)).count("1")
        """,
        cases=cases(
            ([0], 0),
            ([1], 1),
            ([7], 3),
            ([8], 1),
            ([-5], 2),
            ([255], 8),
            ([1048576], 1),
            ([1000000], 7),
        ),
        modify=variant(
            change="count the 0 bits instead of the 1 bits",
            prompt_en='Write n in binary without leading zeros (0 is written as "0") and return the number of 0 digits. A negative n is replaced by its absolute value.',
            prompt_zh='把整数 n 写成不带前导零的二进制（0 写作 "0"），返回其中数字 0 的个数。n 为负数时，按它的绝对值计算。',
            solution="""
                def popcount(n: int) -> int:
                    return bin(abs(n))[2:].count("0")
            """,
            cases=cases(
                ([0], 1),
                ([1], 0),
                ([7], 0),
                ([8], 3),
                ([-5], 1),
                ([255], 0),
                ([1048576], 20),
                ([1000000], 13),
            ),
        ),
    ),
    atom(
        slug="to_binary",
        params=[("n", "int")],
        returns="str",
        difficulty=1,
        tags=["binary", "conversion", "formatting"],
        prompt_en='Return the binary representation of n as a string of 0s and 1s, without a "0b" prefix and without leading zeros (0 gives "0"). For a negative n, return "-" followed by the binary representation of its absolute value.',
        prompt_zh='以字符串形式返回整数 n 的二进制表示，只含 0 和 1，不带 "0b" 前缀，也没有前导零（0 返回 "0"）。n 为负数时，返回 "-" 加上其绝对值的二进制表示。',
        solution="""
            def to_binary(n: int) -> str:
                digits = bin(abs(n))[2:]
                return "-" + digits if n < 0 else digits
        """,
        cases=cases(
            ([0], "0"),
            ([1], "1"),
            ([5], "101"),
            ([-6], "-110"),
            ([255], "11111111"),
            ([256], "100000000"),
            ([1000000], "11110100001001000000"),
        ),
        modify=variant(
            change="pad with leading zeros to a whole number of 8-bit bytes",
            prompt_en='Return the binary representation of the absolute value of n as a string of 0s and 1s (no "0b" prefix), padded on the left with zeros so that its length is the smallest positive multiple of 8 that fits all digits (0 gives "00000000"). For a negative n, put "-" in front of the padded digits.',
            prompt_zh='以字符串形式返回 n 的绝对值的二进制表示（只含 0 和 1，不带 "0b" 前缀），并在左侧补 0，使长度成为能容纳所有位的最小的 8 的正整数倍（0 返回 "00000000"）。n 为负数时，在补齐后的数字前加上 "-"。',
            solution="""
                def to_binary(n: int) -> str:
                    digits = bin(abs(n))[2:]
                    width = (len(digits) + 7) // 8 * 8
                    padded = digits.zfill(width)
                    return "-" + padded if n < 0 else padded
            """,
            cases=cases(
                ([0], "00000000"),
                ([1], "00000001"),
                ([5], "00000101"),
                ([-6], "-00000110"),
                ([255], "11111111"),
                ([256], "0000000100000000"),
                ([1000000], "000011110100001001000000"),
            ),
        ),
    ),
    atom(
        slug="from_binary",
        params=[("s", "str")],
        returns="int",
        difficulty=2,
        tags=["binary", "parsing", "conversion"],
        prompt_en='Read the string s as a binary number and return its value. Only the characters "0" and "1" are digits; every other character is ignored, except that if the first non-whitespace character of s is "-", the result is negative. If s contains no 0 or 1 digit, return 0.',
        prompt_zh='把字符串 s 当作二进制数读取，返回它的值。只有字符 "0" 和 "1" 算作数字，其他字符一律忽略；但如果 s 的第一个非空白字符是 "-"，结果取负。s 中没有任何 0 或 1 时返回 0。',
        solution="""
            def from_binary(s: str) -> int:
                value = 0
                for ch in s:
                    if ch == "0" or ch == "1":
                        value = value * 2 + (ch == "1")
                return -value if s.lstrip().startswith("-") else value
        """,
        cases=cases(
            ([""], 0),
            (["abc"], 0),
            (["0"], 0),
            (["1"], 1),
            (["110"], 6),
            (["-1010"], -10),
            (["1 0 1 1"], 11),
            (["  -11"], -3),
            (["0b11110100001001000000"], 1000000),
        ),
        modify=variant(
            change="digits are read least significant first (the string is written backwards)",
            prompt_en='The string s holds a binary number written backwards: the first 0/1 digit is the least significant bit (worth 1), the next is worth 2, then 4, and so on. Return its value. Only the characters "0" and "1" are digits; every other character is ignored, except that if the first non-whitespace character of s is "-", the result is negative. If s contains no 0 or 1 digit, return 0.',
            prompt_zh='字符串 s 中的二进制数是倒着写的：第一个 0/1 数字是最低位（值为 1），下一个的值为 2，再下一个为 4，依此类推。返回它的值。只有字符 "0" 和 "1" 算作数字，其他字符一律忽略；但如果 s 的第一个非空白字符是 "-"，结果取负。s 中没有任何 0 或 1 时返回 0。',
            solution="""
                def from_binary(s: str) -> int:
                    value = 0
                    weight = 1
                    for ch in s:
                        if ch == "0" or ch == "1":
                            if ch == "1":
                                value += weight
                            weight *= 2
                    return -value if s.lstrip().startswith("-") else value
            """,
            cases=cases(
                ([""], 0),
                (["abc"], 0),
                (["0"], 0),
                (["1"], 1),
                (["110"], 3),
                (["-1010"], -5),
                (["1 0 1 1"], 13),
                (["  -11"], -3),
                (["000000100100001011110"], 1000000),
            ),
        ),
    ),
    atom(
        slug="is_power_of_two",
        params=[("n", "int")],
        returns="bool",
        difficulty=1,
        tags=["power-of-two", "bit-trick"],
        prompt_en="Return True if n is a power of two (1, 2, 4, 8, ...), otherwise False. Zero and negative numbers are never powers of two.",
        prompt_zh="判断整数 n 是否为 2 的幂（1, 2, 4, 8, …），是则返回 True，否则返回 False。0 和负数都不是 2 的幂。",
        solution="""
            def is_power_of_two(n: int) -> bool:
                return n > 0 and n & (n - 1) == 0
        """,
        cases=cases(
            ([0], False),
            ([1], True),
            ([2], True),
            ([6], False),
            ([-8], False),
            ([16], True),
            ([2048], True),
            ([1000000], False),
        ),
        modify=variant(
            change="powers of four instead of powers of two",
            prompt_en="Return True if n is a power of four (1, 4, 16, 64, ...), otherwise False. Zero and negative numbers are never powers of four.",
            prompt_zh="判断整数 n 是否为 4 的幂（1, 4, 16, 64, …），是则返回 True，否则返回 False。0 和负数都不是 4 的幂。",
            solution="""
                def is_power_of_two(n: int) -> bool:
                    return n > 0 and n & (n - 1) == 0 and (n.bit_length() - 1) % 2 == 0
            """,
            cases=cases(
                ([0], False),
                ([1], True),
                ([2], False),
                ([4], True),
                ([-4], False),
                ([16], True),
                ([2048], False),
                ([1048576], True),
            ),
        ),
    ),
    atom(
        slug="reverse_bits",
        params=[("n", "int")],
        returns="int",
        difficulty=2,
        tags=["binary", "reverse"],
        prompt_en="Write the absolute value of n in binary without leading zeros, reverse that string of digits, and return the value it represents (for example 6 = 110 becomes 011 = 3). Zero gives 0. If n is negative, return the negated result.",
        prompt_zh="把 n 的绝对值写成不带前导零的二进制，将这串数字反转，返回反转后表示的数值（例如 6 = 110 反转为 011 = 3）。0 返回 0。n 为负数时，返回结果的相反数。",
        solution="""
            def reverse_bits(n: int) -> int:
                value = int(bin(abs(n))[2:][::-1], 2)
                return -value if n < 0 else value
        """,
        cases=cases(
            ([0], 0),
            ([1], 1),
            ([6], 3),
            ([8], 1),
            ([13], 11),
            ([-6], -3),
            ([1000000], 9263),
        ),
        modify=variant(
            change="reverse within a fixed 8-bit width (low byte only)",
            prompt_en="Take the low 8 bits of the absolute value of n (that is, abs(n) % 256), write them as exactly 8 binary digits including leading zeros, reverse those 8 digits and return the value they represent (for example 1 = 00000001 becomes 10000000 = 128). If n is negative, return the negated result.",
            prompt_zh="取 n 的绝对值的低 8 位（即 abs(n) % 256），写成恰好 8 位的二进制（包括前导零），把这 8 位反转，返回反转后表示的数值（例如 1 = 00000001 反转为 10000000 = 128）。n 为负数时，返回结果的相反数。",
            solution="""
                def reverse_bits(n: int) -> int:
                    value = int(format(abs(n) % 256, "08b")[::-1], 2)
                    return -value if n < 0 else value
            """,
            cases=cases(
                ([0], 0),
                ([1], 128),
                ([6], 96),
                ([8], 16),
                ([255], 255),
                ([-6], -96),
                ([1000000], 2),
            ),
        ),
    ),
    atom(
        slug="gray_code",
        params=[("n", "int")],
        returns="int",
        difficulty=2,
        tags=["gray-code", "xor", "shift"],
        prompt_en="Return the reflected binary Gray code of n, that is n XOR (n shifted right by one bit). A negative n is replaced by its absolute value.",
        prompt_zh="返回 n 的格雷码（反射二进制码），即 n 与（n 右移一位）的异或结果。n 为负数时，按它的绝对值计算。",
        solution="""
            def gray_code(n: int) -> int:
                n = abs(n)
                return n ^ (n >> 1)
        """,
        cases=cases(
            ([0], 0),
            ([1], 1),
            ([2], 3),
            ([3], 2),
            ([7], 4),
            ([15], 8),
            ([-5], 7),
            ([1000000], 582496),
        ),
        modify=variant(
            change="decode a Gray code instead of encoding one",
            prompt_en="n is a reflected binary Gray code; return the ordinary number it encodes, i.e. the m with m XOR (m shifted right by one bit) == n. (Each bit of m, from the highest down, is the XOR of the bit of n at that position with the bit of m just above it.) A negative n is replaced by its absolute value.",
            prompt_zh="n 是一个格雷码（反射二进制码），返回它所对应的普通整数，也就是满足 m 异或（m 右移一位）等于 n 的那个 m。（从最高位往下，m 的每一位等于 n 在该位上的值与 m 高一位的值的异或。）n 为负数时，按它的绝对值计算。",
            solution="""
                def gray_code(n: int) -> int:
                    n = abs(n)
                    m = 0
                    while n:
                        m ^= n
                        n >>= 1
                    return m
            """,
            cases=cases(
                ([0], 0),
                ([1], 1),
                ([3], 2),
                ([2], 3),
                ([4], 7),
                ([8], 15),
                ([-7], 5),
                ([582496], 1000000),
            ),
        ),
    ),
    atom(
        slug="set_bit_positions",
        params=[("n", "int")],
        returns="list[int]",
        difficulty=2,
        tags=["binary", "bit-positions"],
        prompt_en="Return the positions of the 1 bits of n in ascending order, where position 0 is the least significant bit (for example 6 = 110 gives [1, 2]). A negative n is replaced by its absolute value; 0 gives [].",
        prompt_zh="按从小到大的顺序返回 n 的二进制中所有 1 所在的位置，最低位的位置为 0（例如 6 = 110 返回 [1, 2]）。n 为负数时按其绝对值计算；n 为 0 时返回 []。",
        solution="""
            def set_bit_positions(n: int) -> list[int]:
                n = abs(n)
                return [i for i in range(n.bit_length()) if n >> i & 1]
        """,
        cases=cases(
            ([0], []),
            ([1], [0]),
            ([6], [1, 2]),
            ([-10], [1, 3]),
            ([255], [0, 1, 2, 3, 4, 5, 6, 7]),
            ([256], [8]),
            ([1000000], [6, 9, 14, 16, 17, 18, 19]),
        ),
        modify=variant(
            change="positions of the 0 bits (below the highest 1 bit) instead of the 1 bits",
            prompt_en="Write n in binary without leading zeros and return the positions of its 0 bits in ascending order, where position 0 is the least significant bit (for example 10 = 1010 gives [0, 2]). Leading zeros are not counted, so 0 gives [] and 1 gives []. A negative n is replaced by its absolute value.",
            prompt_zh="把 n 写成不带前导零的二进制，按从小到大的顺序返回其中所有 0 所在的位置，最低位的位置为 0（例如 10 = 1010 返回 [0, 2]）。前导零不算，所以 n 为 0 或 1 时都返回 []。n 为负数时按其绝对值计算。",
            solution="""
                def set_bit_positions(n: int) -> list[int]:
                    n = abs(n)
                    return [i for i in range(n.bit_length()) if not n >> i & 1]
            """,
            cases=cases(
                ([0], []),
                ([1], []),
                ([6], [0]),
                ([-10], [0, 2]),
                ([255], []),
                ([256], [0, 1, 2, 3, 4, 5, 6, 7]),
                ([1000000], [0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 12, 13, 15]),
            ),
        ),
    ),
    atom(
        slug="hamming_distance",
        params=[("a", "int"), ("b", "int")],
        returns="int",
        difficulty=1,
        tags=["hamming-distance", "xor", "popcount"],
        prompt_en="Return the Hamming distance between a and b: the number of bit positions at which their binary representations differ. Negative numbers are replaced by their absolute values first.",
        prompt_zh="返回 a 和 b 的汉明距离，即二者的二进制表示中取值不同的位的个数。负数先取绝对值再计算。",
        solution="""
            def hamming_distance(a: int, b: int) -> int:
                return bin(abs(a) ^ abs(b)).count("1")
        """,
        cases=cases(
            ([0, 0], 0),
            ([1, 4], 2),
            ([7, 7], 0),
            ([12, 10], 2),
            ([-3, 1], 1),
            ([0, 255], 8),
            ([1000000, 999999], 7),
        ),
        modify=variant(
            change="count positions where both numbers have a 1 instead of where they differ",
            prompt_en="Return the number of bit positions at which both a and b have a 1 bit (the number of 1 bits in a AND b). Negative numbers are replaced by their absolute values first.",
            prompt_zh="返回 a 和 b 的二进制中两者同时为 1 的位的个数（即 a 与 b 按位与之后 1 的个数）。负数先取绝对值再计算。",
            solution="""
                def hamming_distance(a: int, b: int) -> int:
                    return bin(abs(a) & abs(b)).count("1")
            """,
            cases=cases(
                ([0, 0], 0),
                ([1, 4], 0),
                ([7, 7], 3),
                ([12, 10], 1),
                ([-3, 1], 1),
                ([0, 255], 0),
                ([1000000, 999999], 6),
            ),
        ),
    ),
    atom(
        slug="xor_all",
        params=[("nums", "list[int]")],
        returns="int",
        difficulty=1,
        tags=["xor", "fold"],
        prompt_en="Return the bitwise XOR of all the integers in nums (an empty list gives 0). Negative numbers behave as in Python's ^ operator (infinite two's complement), so for example -1 XOR 1 is -2.",
        prompt_zh="返回列表 nums 中所有整数按位异或的结果（空列表返回 0）。负数按 Python 中 ^ 运算符的规则处理（无限位的二进制补码），例如 -1 与 1 异或得 -2。",
        solution="""
            def xor_all(nums: list[int]) -> int:
                result = 0
                for x in nums:
                    result ^= x
                return result
        """,
        cases=cases(
            ([[]], 0),
            ([[5]], 5),
            ([[1, 2, 3]], 0),
            ([[4, 4, 7]], 7),
            ([[1, 1]], 0),
            ([[-1, 1]], -2),
            ([[1000000, 1]], 1000001),
            ([[2, 3, 5, 3, 2]], 5),
        ),
        modify=variant(
            change="bitwise OR instead of XOR",
            prompt_en="Return the bitwise OR of all the integers in nums (an empty list gives 0). Negative numbers behave as in Python's | operator (infinite two's complement), so for example -2 OR 1 is -1.",
            prompt_zh="返回列表 nums 中所有整数按位或的结果（空列表返回 0）。负数按 Python 中 | 运算符的规则处理（无限位的二进制补码），例如 -2 与 1 按位或得 -1。",
            solution="""
                def xor_all(nums: list[int]) -> int:
                    result = 0
                    for x in nums:
                        result |= x
                    return result
            """,
            cases=cases(
                ([[]], 0),
                ([[5]], 5),
                ([[1, 2, 3]], 3),
                ([[4, 4, 7]], 7),
                ([[1, 1]], 1),
                ([[-2, 1]], -1),
                ([[1000000, 1]], 1000001),
                ([[8, 2]], 10),
            ),
        ),
    ),
    atom(
        slug="binary_gap",
        params=[("n", "int")],
        returns="int",
        difficulty=2,
        tags=["binary", "runs", "scan"],
        prompt_en="Return the length of the longest run of consecutive 0 bits that lies between two 1 bits in the binary representation of n (for example 529 = 1000010001 gives 4). Zeros with no 1 to their right do not count, so 20 = 10100 gives 1. Return 0 if there is no such run. A negative n is replaced by its absolute value.",
        prompt_zh="返回 n 的二进制表示中夹在两个 1 之间的最长连续 0 的长度（例如 529 = 1000010001 返回 4）。末尾那些右边没有 1 的 0 不算，所以 20 = 10100 返回 1。不存在这样的 0 时返回 0。n 为负数时，按它的绝对值计算。",
        solution="""
            def binary_gap(n: int) -> int:
                digits = bin(abs(n))[2:].strip("0")
                return max((len(run) for run in digits.split("1")), default=0)
        """,
        cases=cases(
            ([0], 0),
            ([1], 0),
            ([9], 2),
            ([20], 1),
            ([15], 0),
            ([529], 4),
            ([-1041], 5),
            ([1000000], 4),
        ),
        modify=variant(
            change="longest run of 1 bits instead of the longest enclosed run of 0 bits",
            prompt_en="Return the length of the longest run of consecutive 1 bits in the binary representation of n (for example 14 = 1110 gives 3). Zero gives 0. A negative n is replaced by its absolute value.",
            prompt_zh="返回 n 的二进制表示中最长的连续 1 的长度（例如 14 = 1110 返回 3）。n 为 0 时返回 0。n 为负数时，按它的绝对值计算。",
            solution="""
                def binary_gap(n: int) -> int:
                    return max(len(run) for run in bin(abs(n))[2:].split("0"))
            """,
            cases=cases(
                ([0], 0),
                ([1], 1),
                ([9], 1),
                ([14], 3),
                ([15], 4),
                ([529], 1),
                ([-1787], 5),
                ([1000000], 4),
            ),
        ),
    ),
]
