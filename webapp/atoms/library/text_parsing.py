"""Simple text parsing: pulling structured values out of small strings.

Atoms read key=value lists, numbers embedded in text, CSV lines, log lines, durations,
version strings, hashtags, sentences and page ranges, and write a CSV line back. They turn a
str into list[int], list[str], int or dict[str, int] (and list[str] back into str), so they
bridge free text into the list and number atoms. Every parser is total: text that does not
fit the format is skipped as the prompt describes, never an error.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "text_parsing"
TOPIC_TITLE = "Simple text parsing"

ATOMS: list[AtomSpec] = [
    atom(
        slug="parse_key_values",
        params=[("s", "str")],
        returns="dict[str, int]",
        difficulty=2,
        tags=["key-value", "split", "validation"],
        prompt_en='Parse a string of comma-separated "key=value" pairs into a dictionary mapping each key to its integer value, e.g. "a=1, b = -2" gives {"a": 1, "b": -2}. Split each pair at its first "=" and strip whitespace around the key and the value. Skip a pair that has no "=", has an empty key, or whose value is not an integer (an optional + or - sign followed by one or more ASCII digits). If a key appears more than once, the last valid value wins. An empty string gives {}.',
        prompt_zh='把由逗号分隔的若干 "key=value" 对解析成字典，键对应它的整数值，例如 "a=1, b = -2" 得到 {"a": 1, "b": -2}。每一对在第一个 "=" 处分开，键和值两边的空白都去掉。没有 "="、键为空、或值不是整数（可带一个 + 或 - 号，后面跟一个或多个 ASCII 数字）的项直接跳过。同一个键出现多次时，以最后一个合法的值为准。空字符串返回 {}。',
        solution="""
            def parse_key_values(s: str) -> dict[str, int]:
                out: dict[str, int] = {}
                for part in s.split(","):
                    if "=" not in part:
                        continue
                    key, _, value = part.partition("=")
                    key, value = key.strip(), value.strip()
                    digits = value[1:] if value[:1] in ("+", "-") else value
                    if not key or not digits or not all("0" <= ch <= "9" for ch in digits):
                        continue
                    out[key] = int(value)
                return out
        """,
        cases=cases(
            ([""], {}),
            (["a=1"], {"a": 1}),
            (["a=1, b = -2 ,c=+3"], {"a": 1, "b": -2, "c": 3}),
            (["x=1,x=5"], {"x": 5}),
            (["k=v, =3, lone, n=4"], {"n": 4}),
            (["big=1000000,big=-1"], {"big": -1}),
            (["a=1=2, b=07, c=1.5, d=-"], {"b": 7}),
            (["名字 = 3, Name=4"], {"名字": 3, "Name": 4}),
        ),
        modify=variant(
            change="repeated keys are summed instead of overwritten",
            prompt_en='Parse a string of comma-separated "key=value" pairs into a dictionary mapping each key to an integer, e.g. "a=1, b = -2" gives {"a": 1, "b": -2}. Split each pair at its first "=" and strip whitespace around the key and the value. Skip a pair that has no "=", has an empty key, or whose value is not an integer (an optional + or - sign followed by one or more ASCII digits). If a key appears more than once, its result is the sum of all its valid values. An empty string gives {}.',
            prompt_zh='把由逗号分隔的若干 "key=value" 对解析成字典，键对应一个整数，例如 "a=1, b = -2" 得到 {"a": 1, "b": -2}。每一对在第一个 "=" 处分开，键和值两边的空白都去掉。没有 "="、键为空、或值不是整数（可带一个 + 或 - 号，后面跟一个或多个 ASCII 数字）的项直接跳过。同一个键出现多次时，结果为它所有合法值之和。空字符串返回 {}。',
            solution="""
                def parse_key_values(s: str) -> dict[str, int]:
                    out: dict[str, int] = {}
                    for part in s.split(","):
                        if "=" not in part:
                            continue
                        key, _, value = part.partition("=")
                        key, value = key.strip(), value.strip()
                        digits = value[1:] if value[:1] in ("+", "-") else value
                        if not key or not digits or not all("0" <= ch <= "9" for ch in digits):
                            continue
                        out[key] = out.get(key, 0) + int(value)
                    return out
            """,
            cases=cases(
                ([""], {}),
                (["a=1"], {"a": 1}),
                (["a=1, b = -2 ,c=+3"], {"a": 1, "b": -2, "c": 3}),
                (["x=1,x=5"], {"x": 6}),
                (["k=v, =3, lone, n=4, n=x"], {"n": 4}),
                (["big=1000000,big=-1"], {"big": 999999}),
                (["a=2,b=3,a=-2"], {"a": 0, "b": 3}),
            ),
        ),
    ),
    atom(
        slug="parse_int_list",
        params=[("s", "str")],
        returns="list[int]",
        difficulty=1,
        tags=["extract-numbers", "scan", "regex"],
        prompt_en='Return all integers written in the string s, in order of appearance. An integer is a maximal run of ASCII digits 0-9; if the character just before the run is "-", the integer is negative (so "a-3b12" gives [-3, 12] and "5-3" gives [5, -3]). Everything else is ignored; a string without digits gives [].',
        prompt_zh='按出现的先后顺序返回字符串 s 中写出的所有整数。整数指连续的一段（尽可能长的）ASCII 数字 0-9；如果紧挨在这段数字前面的字符是 "-"，这个整数就是负数（因此 "a-3b12" 得到 [-3, 12]，"5-3" 得到 [5, -3]）。其他字符一律忽略；没有数字的字符串返回 []。',
        solution=r"""
            def parse_int_list(s: str) -> list[int]:
                import re

                return [int(tok) for tok in re.findall(r"-?[0-9]+", s)]
        """,
        cases=cases(
            ([""], []),
            (["no digits here"], []),
            (["42"], [42]),
            (["a-3b12"], [-3, 12]),
            (["x=10, y=-20; z=30"], [10, -20, 30]),
            (["007 and 1000000"], [7, 1000000]),
            (["5-3"], [5, -3]),
            (["--8"], [-8]),
            (["3.14"], [3, 14]),
        ),
        modify=variant(
            change='"-" is never a sign: every number is read as non-negative',
            prompt_en='Return all numbers written in the string s, in order of appearance. A number is a maximal run of ASCII digits 0-9, always read as non-negative: a "-" before it is just a separator and is ignored (so "a-3b12" gives [3, 12] and "5-3" gives [5, 3]). Everything else is ignored; a string without digits gives [].',
            prompt_zh='按出现的先后顺序返回字符串 s 中写出的所有数。数指连续的一段（尽可能长的）ASCII 数字 0-9，一律按非负数读取：前面的 "-" 只当作分隔符，忽略不计（因此 "a-3b12" 得到 [3, 12]，"5-3" 得到 [5, 3]）。其他字符一律忽略；没有数字的字符串返回 []。',
            solution=r"""
                def parse_int_list(s: str) -> list[int]:
                    import re

                    return [int(tok) for tok in re.findall(r"[0-9]+", s)]
            """,
            cases=cases(
                ([""], []),
                (["no digits here"], []),
                (["42"], [42]),
                (["a-3b12"], [3, 12]),
                (["x=10, y=-20; z=30"], [10, 20, 30]),
                (["007 and 1000000"], [7, 1000000]),
                (["5-3"], [5, 3]),
                (["--8"], [8]),
            ),
        ),
    ),
    atom(
        slug="parse_csv_line",
        params=[("line", "str")],
        returns="list[str]",
        difficulty=3,
        tags=["csv", "quoting", "state-machine"],
        prompt_en='Split one line of comma-separated values into its fields. An empty line gives []; otherwise every comma outside quotes separates two fields, so "x,,y," gives ["x", "", "y", ""]. A field is normally its text with surrounding whitespace removed. But if the first non-whitespace character of a field is a double quote, the field is quoted: its value is the text up to the matching closing quote, kept exactly (commas and spaces included), where two double quotes in a row stand for one literal quote. Anything between the closing quote and the next comma is ignored, and a quote that is never closed runs to the end of the line. A double quote anywhere else is an ordinary character.',
        prompt_zh='把一行逗号分隔值（CSV）拆分成各个字段。空行返回 []；否则引号之外的每个逗号都分隔开两个字段，因此 "x,,y," 得到 ["x", "", "y", ""]。普通字段取它的文本并去掉两端空白。但如果某个字段的第一个非空白字符是双引号，它就是带引号的字段：值为到对应的闭合引号为止的文本，原样保留（其中的逗号、空格都保留），两个连续的双引号表示一个字面上的双引号。闭合引号与下一个逗号之间的内容忽略；如果引号一直没有闭合，就一直读到行尾。出现在其他位置的双引号只是普通字符。',
        solution="""
            def parse_csv_line(line: str) -> list[str]:
                if line == "":
                    return []
                fields = []
                i, n = 0, len(line)
                while True:
                    j = i
                    while j < n and line[j].isspace():
                        j += 1
                    if j < n and line[j] == '"':
                        j += 1
                        buf = []
                        while j < n:
                            if line[j] == '"':
                                if j + 1 < n and line[j + 1] == '"':
                                    buf.append('"')
                                    j += 2
                                    continue
                                j += 1
                                break
                            buf.append(line[j])
                            j += 1
                        fields.append("".join(buf))
                        k = line.find(",", j)
                    else:
                        k = line.find(",", i)
                        fields.append(line[i:n if k == -1 else k].strip())
                    if k == -1:
                        return fields
                    i = k + 1
        """,
        cases=cases(
            ([""], []),
            (["a"], ["a"]),
            (["a,b,c"], ["a", "b", "c"]),
            ([" a , b "], ["a", "b"]),
            (["x,,y,"], ["x", "", "y", ""]),
            (['"hello, world",42'], ["hello, world", "42"]),
            (['"say ""hi""" , ok'], ['say "hi"', "ok"]),
            (["a;b,c"], ["a;b", "c"]),
            (['"unclosed, rest'], ["unclosed, rest"]),
            (['5" tall, "x"junk,y'], ['5" tall', "x", "y"]),
        ),
        modify=variant(
            change="fields are separated by semicolons instead of commas",
            prompt_en='Split one line of semicolon-separated values into its fields. An empty line gives []; otherwise every semicolon outside quotes separates two fields, so "x;;y;" gives ["x", "", "y", ""]. Commas are ordinary characters. A field is normally its text with surrounding whitespace removed. But if the first non-whitespace character of a field is a double quote, the field is quoted: its value is the text up to the matching closing quote, kept exactly (semicolons and spaces included), where two double quotes in a row stand for one literal quote. Anything between the closing quote and the next semicolon is ignored, and a quote that is never closed runs to the end of the line. A double quote anywhere else is an ordinary character.',
            prompt_zh='把一行以分号分隔的值拆分成各个字段。空行返回 []；否则引号之外的每个分号都分隔开两个字段，因此 "x;;y;" 得到 ["x", "", "y", ""]。逗号只是普通字符。普通字段取它的文本并去掉两端空白。但如果某个字段的第一个非空白字符是双引号，它就是带引号的字段：值为到对应的闭合引号为止的文本，原样保留（其中的分号、空格都保留），两个连续的双引号表示一个字面上的双引号。闭合引号与下一个分号之间的内容忽略；如果引号一直没有闭合，就一直读到行尾。出现在其他位置的双引号只是普通字符。',
            solution="""
                def parse_csv_line(line: str) -> list[str]:
                    if line == "":
                        return []
                    fields = []
                    i, n = 0, len(line)
                    while True:
                        j = i
                        while j < n and line[j].isspace():
                            j += 1
                        if j < n and line[j] == '"':
                            j += 1
                            buf = []
                            while j < n:
                                if line[j] == '"':
                                    if j + 1 < n and line[j + 1] == '"':
                                        buf.append('"')
                                        j += 2
                                        continue
                                    j += 1
                                    break
                                buf.append(line[j])
                                j += 1
                            fields.append("".join(buf))
                            k = line.find(";", j)
                        else:
                            k = line.find(";", i)
                            fields.append(line[i:n if k == -1 else k].strip())
                        if k == -1:
                            return fields
                        i = k + 1
            """,
            cases=cases(
                ([""], []),
                (["a"], ["a"]),
                (["a,b,c"], ["a,b,c"]),
                ([" a ; b "], ["a", "b"]),
                (["x;;y;"], ["x", "", "y", ""]),
                (['"hello; world";42'], ["hello; world", "42"]),
                (['"say ""hi""" ; ok'], ['say "hi"', "ok"]),
                (["a;b,c"], ["a", "b,c"]),
            ),
        ),
    ),
    atom(
        slug="count_log_levels",
        params=[("log", "str")],
        returns="dict[str, int]",
        difficulty=2,
        tags=["log-parsing", "lines", "counting"],
        prompt_en='log is multi-line text (lines separated by "\\n"). A line has a level if, after any leading whitespace, it starts with one or more uppercase ASCII letters A-Z immediately followed by a colon, as in "ERROR: disk full". Return a dictionary mapping each level to the number of lines with that level. Lines without a level (including "Error: x" or "INFO : x") are ignored; an empty log gives {}.',
        prompt_zh='log 是多行文本（各行以 "\\n" 分隔）。如果某一行去掉开头的空白后，以一个或多个大写 ASCII 字母 A-Z 开头、并紧跟一个冒号（例如 "ERROR: disk full"），这一行就带有日志级别。返回一个字典，把每个级别映射到带该级别的行数。没有级别的行（包括 "Error: x"、"INFO : x" 这样的行）忽略不计；空日志返回 {}。',
        solution=r"""
            def count_log_levels(log: str) -> dict[str, int]:
                import re

                counts: dict[str, int] = {}
                for line in log.split("\n"):
                    match = re.match(r"([A-Z]+):", line.lstrip())
                    if match:
                        level = match.group(1)
                        counts[level] = counts.get(level, 0) + 1
                return counts
        """,
        cases=cases(
            ([""], {}),
            (["ERROR: disk full"], {"ERROR": 1}),
            (["INFO: start\nWARN: slow\nINFO: done"], {"INFO": 2, "WARN": 1}),
            (["error: lower\nERROR: upper"], {"ERROR": 1}),
            (["no level here\n: empty\nDEBUG:x"], {"DEBUG": 1}),
            (["  INFO: indented\nINFO : spaced"], {"INFO": 1}),
            (["Info: mixed"], {}),
            (["ERROR: a\n\nERROR: b\r\nERROR: c: d"], {"ERROR": 3}),
        ),
        modify=variant(
            change="levels are case-insensitive and counted under their uppercase form",
            prompt_en='log is multi-line text (lines separated by "\\n"). A line has a level if, after any leading whitespace, it starts with one or more ASCII letters (a-z or A-Z, in any case) immediately followed by a colon, as in "ERROR: disk full" or "warn: slow". Return a dictionary mapping each level, converted to uppercase, to the number of lines with that level (so "Error:" and "ERROR:" count together). Lines without a level (such as "INFO : x") are ignored; an empty log gives {}.',
            prompt_zh='log 是多行文本（各行以 "\\n" 分隔）。如果某一行去掉开头的空白后，以一个或多个 ASCII 字母（a-z 或 A-Z，大小写不限）开头、并紧跟一个冒号（例如 "ERROR: disk full" 或 "warn: slow"），这一行就带有日志级别。返回一个字典，把每个级别转换成大写后映射到带该级别的行数（因此 "Error:" 和 "ERROR:" 计为同一级别）。没有级别的行（例如 "INFO : x"）忽略不计；空日志返回 {}。',
            solution=r"""
                def count_log_levels(log: str) -> dict[str, int]:
                    import re

                    counts: dict[str, int] = {}
                    for line in log.split("\n"):
                        match = re.match(r"([A-Za-z]+):", line.lstrip())
                        if match:
                            level = match.group(1).upper()
                            counts[level] = counts.get(level, 0) + 1
                    return counts
            """,
            cases=cases(
                ([""], {}),
                (["ERROR: disk full"], {"ERROR": 1}),
                (["INFO: start\nwarn: slow\nInfo: done"], {"INFO": 2, "WARN": 1}),
                (["error: lower\nERROR: upper"], {"ERROR": 2}),
                (["no level here\n: empty\ndebug:x"], {"DEBUG": 1}),
                (["  INFO: indented\nINFO : spaced"], {"INFO": 1}),
                (["Info: mixed"], {"INFO": 1}),
            ),
        ),
    ),
    atom(
        slug="parse_duration_seconds",
        params=[("s", "str")],
        returns="int",
        difficulty=2,
        tags=["duration", "units", "regex"],
        prompt_en='Convert a duration such as "1h 30m 15s" into a number of seconds. Every run of ASCII digits immediately followed by one of the lowercase unit letters d (day, 86400 s), h (hour, 3600 s), m (minute, 60 s) or s (second) adds that many units; the parts may be in any order, with or without spaces. Digits not immediately followed by a unit letter (such as "90" or "3H") and all other text are ignored, so "5min" counts as 5 minutes and an empty string gives 0.',
        prompt_zh='把 "1h 30m 15s" 这样的时长换算成秒数。每一段连续的 ASCII 数字，如果后面紧跟一个小写单位字母 d（天，86400 秒）、h（小时，3600 秒）、m（分钟，60 秒）或 s（秒），就累加相应的时长；各部分顺序任意，中间有没有空格都可以。后面没有紧跟单位字母的数字（例如 "90" 或 "3H"）以及其他文字都忽略，因此 "5min" 算作 5 分钟，空字符串返回 0。',
        solution=r"""
            def parse_duration_seconds(s: str) -> int:
                import re

                unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
                return sum(int(num) * unit[u] for num, u in re.findall(r"([0-9]+)([dhms])", s))
        """,
        cases=cases(
            ([""], 0),
            (["45s"], 45),
            (["1h 30m 15s"], 5415),
            (["2d"], 172800),
            (["90"], 0),
            (["1h30m"], 5400),
            (["5min, 10sec"], 310),
            (["3H"], 0),
            (["1000000s 1s"], 1000001),
        ),
        modify=variant(
            change="a bare number without a unit counts as minutes",
            prompt_en='Convert a duration such as "1h 30m 15s" into a number of seconds. Every run of ASCII digits immediately followed by one of the lowercase unit letters d (day, 86400 s), h (hour, 3600 s), m (minute, 60 s) or s (second) adds that many units. A run of digits that is not immediately followed by one of those letters (such as "90" or "3H") counts as that many minutes. The parts may be in any order, with or without spaces; all other text is ignored, so "5min" counts as 5 minutes and an empty string gives 0.',
            prompt_zh='把 "1h 30m 15s" 这样的时长换算成秒数。每一段连续的 ASCII 数字，如果后面紧跟一个小写单位字母 d（天，86400 秒）、h（小时，3600 秒）、m（分钟，60 秒）或 s（秒），就累加相应的时长；如果后面没有紧跟这几个字母（例如 "90" 或 "3H"），就按分钟计算。各部分顺序任意，中间有没有空格都可以；其他文字一律忽略，因此 "5min" 算作 5 分钟，空字符串返回 0。',
            solution=r"""
                def parse_duration_seconds(s: str) -> int:
                    import re

                    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 60}
                    return sum(int(num) * unit[u] for num, u in re.findall(r"([0-9]+)([dhms]?)", s))
            """,
            cases=cases(
                ([""], 0),
                (["45s"], 45),
                (["1h 30m 15s"], 5415),
                (["2d 1"], 172860),
                (["90"], 5400),
                (["1h30"], 5400),
                (["5min, 10sec"], 310),
                (["3H"], 180),
            ),
        ),
    ),
    atom(
        slug="parse_version",
        params=[("s", "str")],
        returns="list[int]",
        difficulty=1,
        tags=["version-string", "split", "parsing"],
        prompt_en='Parse a version string such as "1.2.10" into a list of integers [1, 2, 10]. Strip surrounding whitespace and one leading "v" or "V"; if nothing is left, return []. Otherwise split at every "." and turn each part (with its surrounding whitespace removed) into the number formed by its leading ASCII digits, or 0 if it does not start with a digit, so "1.0rc1.x" gives [1, 0, 0] and "1..2" gives [1, 0, 2].',
        prompt_zh='把 "1.2.10" 这样的版本号字符串解析成整数列表 [1, 2, 10]。先去掉两端空白以及开头的一个 "v" 或 "V"；如果什么都不剩，返回 []。否则按每个 "." 切分，每一部分（去掉两端空白后）取它开头连续的 ASCII 数字组成的数；不以数字开头的部分记为 0，因此 "1.0rc1.x" 得到 [1, 0, 0]，"1..2" 得到 [1, 0, 2]。',
        solution="""
            def parse_version(s: str) -> list[int]:
                s = s.strip()
                if s[:1] in ("v", "V"):
                    s = s[1:]
                if not s:
                    return []
                out = []
                for part in s.split("."):
                    part = part.strip()
                    i = 0
                    while i < len(part) and "0" <= part[i] <= "9":
                        i += 1
                    out.append(int(part[:i]) if i else 0)
                return out
        """,
        cases=cases(
            ([""], []),
            (["v"], []),
            (["3"], [3]),
            (["1.2.10"], [1, 2, 10]),
            (["v2.0.0"], [2, 0, 0]),
            (["1.0rc1.x"], [1, 0, 0]),
            ([" 10 . 20 "], [10, 20]),
            (["1..2"], [1, 0, 2]),
            (["1000000.0"], [1000000, 0]),
        ),
        modify=variant(
            change="trailing zero components are dropped",
            prompt_en='Parse a version string such as "1.2.10" into a list of integers [1, 2, 10], then drop all zero components at the end, so "2.0.0" gives [2] and "0.0" gives []. Strip surrounding whitespace and one leading "v" or "V" first; if nothing is left, return []. Otherwise split at every "." and turn each part (with its surrounding whitespace removed) into the number formed by its leading ASCII digits, or 0 if it does not start with a digit, so "1..2" gives [1, 0, 2].',
            prompt_zh='把 "1.2.10" 这样的版本号字符串解析成整数列表 [1, 2, 10]，再去掉末尾所有为 0 的部分，因此 "2.0.0" 得到 [2]，"0.0" 得到 []。解析时先去掉两端空白以及开头的一个 "v" 或 "V"；如果什么都不剩，返回 []。否则按每个 "." 切分，每一部分（去掉两端空白后）取它开头连续的 ASCII 数字组成的数；不以数字开头的部分记为 0，因此 "1..2" 得到 [1, 0, 2]。',
            solution="""
                def parse_version(s: str) -> list[int]:
                    s = s.strip()
                    if s[:1] in ("v", "V"):
                        s = s[1:]
                    if not s:
                        return []
                    out = []
                    for part in s.split("."):
                        part = part.strip()
                        i = 0
                        while i < len(part) and "0" <= part[i] <= "9":
                            i += 1
                        out.append(int(part[:i]) if i else 0)
                    while out and out[-1] == 0:
                        out.pop()
                    return out
            """,
            cases=cases(
                ([""], []),
                (["0.0"], []),
                (["3"], [3]),
                (["1.2.10"], [1, 2, 10]),
                (["v2.0.0"], [2]),
                (["1.0rc1.x"], [1]),
                ([" 10 . 20 "], [10, 20]),
                (["1..2"], [1, 0, 2]),
                (["1000000.0"], [1000000]),
            ),
        ),
    ),
    atom(
        slug="extract_hashtags",
        params=[("text", "str")],
        returns="list[str]",
        difficulty=1,
        tags=["hashtags", "regex", "tokenize"],
        prompt_en='Return the hashtags in text, in order of appearance and keeping duplicates. A hashtag is a "#" immediately followed by one or more word characters (letters of any script, digits or underscores); return it without the "#". A "#" not followed by a word character is ignored. Text without hashtags gives [].',
        prompt_zh='按出现顺序返回 text 中的所有话题标签（hashtag），重复的也要保留。话题标签是紧跟着一个或多个单词字符（任意文字的字母、数字或下划线）的 "#"；返回时去掉 "#"。后面不是单词字符的 "#" 忽略。没有话题标签时返回 []。',
        solution=r"""
            def extract_hashtags(text: str) -> list[str]:
                import re

                return re.findall(r"#(\w+)", text)
        """,
        cases=cases(
            ([""], []),
            (["no tags"], []),
            (["#python"], ["python"]),
            (["Love #Python and #python!"], ["Python", "python"]),
            (["#a #b #a"], ["a", "b", "a"]),
            (["# not, #1st, #snake_case."], ["1st", "snake_case"]),
            (["多语言 #中文 ok"], ["中文"]),
            (["x##y#z"], ["y", "z"]),
        ),
        modify=variant(
            change="lowercase, de-duplicate and sort the tags",
            prompt_en='Collect the hashtags in text: a hashtag is a "#" immediately followed by one or more word characters (letters of any script, digits or underscores), taken without the "#". A "#" not followed by a word character is ignored. Convert every tag to lowercase and return the distinct tags sorted in ascending order. Text without hashtags gives [].',
            prompt_zh='收集 text 中的话题标签：话题标签是紧跟着一个或多个单词字符（任意文字的字母、数字或下划线）的 "#"，取的时候去掉 "#"。后面不是单词字符的 "#" 忽略。把每个标签转成小写，去重后按升序排序返回。没有话题标签时返回 []。',
            solution=r"""
                def extract_hashtags(text: str) -> list[str]:
                    import re

                    return sorted({tag.lower() for tag in re.findall(r"#(\w+)", text)})
            """,
            cases=cases(
                ([""], []),
                (["no tags"], []),
                (["#python"], ["python"]),
                (["Love #Python and #python!"], ["python"]),
                (["#b #a #b"], ["a", "b"]),
                (["# not, #1st, #snake_case."], ["1st", "snake_case"]),
                (["多语言 #中文 ok #OK"], ["ok", "中文"]),
                (["x##Y#z"], ["y", "z"]),
            ),
        ),
    ),
    atom(
        slug="split_sentences",
        params=[("text", "str")],
        returns="list[str]",
        difficulty=2,
        tags=["sentences", "split", "punctuation"],
        prompt_en='Split text into sentences. Every run of the characters ".", "!" and "?" ends a sentence (so "Wait..." ends once, and so does the "." in "3.14"); the final piece counts as a sentence even without such an ending. Return the sentences in order, without their ending punctuation and with surrounding whitespace stripped, leaving out any that are empty. Other punctuation, including the Chinese "。", is ordinary text.',
        prompt_zh='把 text 拆分成句子。"."、"!"、"?" 这几个字符连续出现的一段视为一个句子的结束（所以 "Wait..." 只结束一次，"3.14" 里的 "." 也会结束一句）；最后一段即使没有这样的结尾也算一个句子。按顺序返回各个句子，不包含结尾的标点，并去掉两端空白，空的句子不要。其他标点（包括中文的 "。"）都当作普通文字。',
        solution=r"""
            def split_sentences(text: str) -> list[str]:
                import re

                return [piece.strip() for piece in re.split(r"[.!?]+", text) if piece.strip()]
        """,
        cases=cases(
            ([""], []),
            (["Hello"], ["Hello"]),
            (["Hi! How are you?"], ["Hi", "How are you"]),
            (["Wait... what?!"], ["Wait", "what"]),
            (["  One.  Two  .Three"], ["One", "Two", "Three"]),
            (["...!?"], []),
            (["3.14 is pi."], ["3", "14 is pi"]),
            (["你好。世界"], ["你好。世界"]),
        ),
        modify=variant(
            change="keep each sentence's ending punctuation",
            prompt_en='Split text into sentences. Every run of the characters ".", "!" and "?" ends a sentence (so "Wait..." ends once, and so does the "." in "3.14"); the final piece counts as a sentence even without such an ending. Return the sentences in order, each including the run of ending punctuation that closes it, with surrounding whitespace stripped; leave out any sentence that has nothing but whitespace before its ending. Other punctuation, including the Chinese "。", is ordinary text.',
            prompt_zh='把 text 拆分成句子。"."、"!"、"?" 这几个字符连续出现的一段视为一个句子的结束（所以 "Wait..." 只结束一次，"3.14" 里的 "." 也会结束一句）；最后一段即使没有这样的结尾也算一个句子。按顺序返回各个句子，每个句子保留结束它的那一段标点，并去掉两端空白；结尾标点之前只有空白的句子不要。其他标点（包括中文的 "。"）都当作普通文字。',
            solution=r"""
                def split_sentences(text: str) -> list[str]:
                    import re

                    pieces = re.findall(r"([^.!?]*)([.!?]*)", text)
                    return [(body + end).strip() for body, end in pieces if body.strip()]
            """,
            cases=cases(
                ([""], []),
                (["Hello"], ["Hello"]),
                (["Hi! How are you?"], ["Hi!", "How are you?"]),
                (["Wait... what?!"], ["Wait...", "what?!"]),
                (["  One.  Two  .Three"], ["One.", "Two  .", "Three"]),
                (["...!? ."], []),
                (["3.14 is pi."], ["3.", "14 is pi."]),
                (["你好。世界"], ["你好。世界"]),
            ),
        ),
    ),
    atom(
        slug="parse_ranges",
        params=[("s", "str")],
        returns="list[int]",
        difficulty=2,
        tags=["ranges", "split", "expand"],
        prompt_en='Expand a comma-separated list of numbers and ranges such as "1-3,5,7-8" into [1, 2, 3, 5, 7, 8]. Each piece, after stripping whitespace, is either a number N (ASCII digits) or a range A-B (spaces around the "-" allowed), which stands for A, A+1, ..., B; a range with B < A is empty. Pieces in any other form (including negative numbers), and ranges that would hold more than 1000 numbers, are skipped. Keep the pieces in order and keep duplicates. An empty string gives [].',
        prompt_zh='把 "1-3,5,7-8" 这样由逗号分隔的数字和区间展开成 [1, 2, 3, 5, 7, 8]。每一段去掉两端空白后，要么是一个数 N（ASCII 数字），要么是一个区间 A-B（"-" 两边可以有空格），表示 A, A+1, …, B；B < A 时区间为空。其他形式的段（包括负数），以及包含超过 1000 个数的区间，都直接跳过。按原来的顺序输出，重复的数也保留。空字符串返回 []。',
        solution=r"""
            def parse_ranges(s: str) -> list[int]:
                import re

                out: list[int] = []
                for piece in s.split(","):
                    piece = piece.strip()
                    pair = re.fullmatch(r"([0-9]+)\s*-\s*([0-9]+)", piece)
                    if pair:
                        a, b = int(pair.group(1)), int(pair.group(2))
                        if b - a < 1000:
                            out.extend(range(a, b + 1))
                    elif re.fullmatch(r"[0-9]+", piece):
                        out.append(int(piece))
                return out
        """,
        cases=cases(
            ([""], []),
            (["5"], [5]),
            (["1-3,5,7-8"], [1, 2, 3, 5, 7, 8]),
            (["5-3"], []),
            ([" 2 - 4 , x, 9-, 6"], [2, 3, 4, 6]),
            (["3,1-3"], [3, 1, 2, 3]),
            (["999998-1000000"], [999998, 999999, 1000000]),
            (["10-10,0-2,-1"], [10, 0, 1, 2]),
            (["1-5000,7"], [7]),
        ),
        modify=variant(
            change="a range written high-to-low counts down instead of being empty",
            prompt_en='Expand a comma-separated list of numbers and ranges such as "1-3,5,8-6" into [1, 2, 3, 5, 8, 7, 6]. Each piece, after stripping whitespace, is either a number N (ASCII digits) or a range A-B (spaces around the "-" allowed), which stands for every integer from A to B inclusive, counting up when A <= B and down when A > B. Pieces in any other form (including negative numbers), and ranges that would hold more than 1000 numbers, are skipped. Keep the pieces in order and keep duplicates. An empty string gives [].',
            prompt_zh='把 "1-3,5,8-6" 这样由逗号分隔的数字和区间展开成 [1, 2, 3, 5, 8, 7, 6]。每一段去掉两端空白后，要么是一个数 N（ASCII 数字），要么是一个区间 A-B（"-" 两边可以有空格），表示从 A 到 B（含两端）的所有整数：A <= B 时从小往大数，A > B 时从大往小数。其他形式的段（包括负数），以及包含超过 1000 个数的区间，都直接跳过。按原来的顺序输出，重复的数也保留。空字符串返回 []。',
            solution=r"""
                def parse_ranges(s: str) -> list[int]:
                    import re

                    out: list[int] = []
                    for piece in s.split(","):
                        piece = piece.strip()
                        pair = re.fullmatch(r"([0-9]+)\s*-\s*([0-9]+)", piece)
                        if pair:
                            a, b = int(pair.group(1)), int(pair.group(2))
                            if abs(b - a) < 1000:
                                out.extend(range(a, b + 1) if a <= b else range(a, b - 1, -1))
                        elif re.fullmatch(r"[0-9]+", piece):
                            out.append(int(piece))
                    return out
            """,
            cases=cases(
                ([""], []),
                (["5"], [5]),
                (["1-3,5,8-6"], [1, 2, 3, 5, 8, 7, 6]),
                (["5-3"], [5, 4, 3]),
                ([" 2 - 4 , x, 9-, 6"], [2, 3, 4, 6]),
                (["3,3-1"], [3, 3, 2, 1]),
                (["1000000-999998"], [1000000, 999999, 999998]),
                (["5000-1,7"], [7]),
            ),
        ),
    ),
    atom(
        slug="to_csv_line",
        params=[("fields", "list[str]")],
        returns="str",
        difficulty=2,
        tags=["csv", "quoting", "join"],
        prompt_en='Join the strings in fields into one line of comma-separated values. A field must be quoted if it contains a comma, a double quote, a line break ("\\n" or "\\r"), or begins or ends with whitespace: wrap it in double quotes and write every double quote inside it twice. Other fields, including empty ones, are written as they are. An empty list gives "".',
        prompt_zh='把 fields 中的字符串拼成一行逗号分隔值（CSV）。如果某个字段含有逗号、双引号、换行符（"\\n" 或 "\\r"），或者以空白开头或结尾，就必须加引号：用双引号把它括起来，并把其中的每个双引号写两遍。其他字段（包括空字段）原样写出。空列表返回 ""。',
        solution=r"""
            def to_csv_line(fields: list[str]) -> str:
                out = []
                for field in fields:
                    if any(ch in field for ch in ',"\n\r') or field != field.strip():
                        field = '"' + field.replace('"', '""') + '"'
                    out.append(field)
                return ",".join(out)
        """,
        cases=cases(
            ([[]], ""),
            ([["a"]], "a"),
            ([["a", "b", "c"]], "a,b,c"),
            ([["hello, world", "42"]], '"hello, world",42'),
            ([['say "hi"']], '"say ""hi"""'),
            ([[" pad", "x "]], '" pad","x "'),
            ([["", "x", ""]], ",x,"),
            ([["line\nbreak"]], '"line\nbreak"'),
            ([["中文", "ok"]], "中文,ok"),
        ),
        modify=variant(
            change="quote every field, not only those that need it",
            prompt_en='Join the strings in fields into one line of comma-separated values in which every field is quoted: wrap each field, even an empty one, in double quotes and write every double quote inside it twice, then join the quoted fields with commas. An empty list gives "".',
            prompt_zh='把 fields 中的字符串拼成一行逗号分隔值（CSV），每个字段都加引号：无论是否为空，都用双引号把它括起来，并把其中的每个双引号写两遍，然后用逗号把这些字段连接起来。空列表返回 ""。',
            solution="""
                def to_csv_line(fields: list[str]) -> str:
                    return ",".join('"' + field.replace('"', '""') + '"' for field in fields)
            """,
            cases=cases(
                ([[]], ""),
                ([["a"]], '"a"'),
                ([["a", "b", "c"]], '"a","b","c"'),
                ([["hello, world", "42"]], '"hello, world","42"'),
                ([['say "hi"']], '"say ""hi"""'),
                ([["", "x", ""]], '"","x",""'),
                ([["中文", "ok"]], '"中文","ok"'),
            ),
        ),
    ),
]
