"""Matrices as lists of lists of integers.

A matrix is a list of rows. Inputs may be empty, contain empty rows, or be ragged (rows of
different lengths), and every atom states how it reads such input, so any list[list[int]] is
valid. Covers transposing and rotating, row and column sums, diagonals, spiral and snake
traversals, element-wise sums, connected regions, one step of Conway's Game of Life, and
bridges from plain values (an int, a flat list of ints) into matrices and back.
"""

from webapp.atoms.library.spec import AtomSpec, atom, cases, variant

TOPIC = "matrices"
TOPIC_TITLE = "Matrices (lists of lists)"

ATOMS: list[AtomSpec] = [
    atom(
        slug="matrix_transpose",
        params=[("m", "list[list[int]]")],
        returns="list[list[int]]",
        difficulty=2,
        tags=["transpose", "nested-lists", "ragged"],
        prompt_en="Return the transpose of the matrix m (a list of rows): row j of the result lists the j-th element of each row of m, from the first row to the last. Rows may have different lengths: a row that is too short simply contributes nothing to that result row, and the result has as many rows as the longest row of m. An empty matrix, or one with only empty rows, gives [].",
        prompt_zh="返回矩阵 m（按行存储的列表）的转置：结果的第 j 行依次由 m 的每一行（从第一行到最后一行）的第 j 个元素组成。各行长度可以不同：如果某一行不够长，它就不向结果的这一行提供元素；结果的行数等于 m 中最长那一行的长度。空矩阵或只含空行的矩阵返回 []。",
        solution="""
            def matrix_transpose(m: list[list[int]]) -> list[list[int]]:
                width = max((len(row) for row in m), default=0)
                return [[row[j] for row in m if j < len(row)] for j in range(width)]
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], []),
            ([[[5]]], [[5]]),
            ([[[1, 2, 3]]], [[1], [2], [3]]),
            ([[[1, 2], [3, 4]]], [[1, 3], [2, 4]]),
            ([[[1, 2, 3], [4, 5, 6]]], [[1, 4], [2, 5], [3, 6]]),
            ([[[1, 2, 3], [4], [5, 6]]], [[1, 4, 5], [2, 6], [3]]),
            ([[[-1, 1000000], [0, -7]]], [[-1, 0], [1000000, -7]]),
        ),
        modify=variant(
            change="rotate 90 degrees clockwise instead of transposing (rows read bottom to top)",
            prompt_en="Return the matrix m (a list of rows) rotated 90 degrees clockwise: row j of the result lists the j-th element of each row of m, taken from the last row up to the first. Rows may have different lengths: a row that is too short simply contributes nothing to that result row, and the result has as many rows as the longest row of m. An empty matrix, or one with only empty rows, gives [].",
            prompt_zh="返回把矩阵 m（按行存储的列表）顺时针旋转 90 度后的结果：结果的第 j 行依次由 m 的每一行的第 j 个元素组成，取的顺序是从最后一行往上到第一行。各行长度可以不同：如果某一行不够长，它就不向结果的这一行提供元素；结果的行数等于 m 中最长那一行的长度。空矩阵或只含空行的矩阵返回 []。",
            solution="""
                def matrix_transpose(m: list[list[int]]) -> list[list[int]]:
                    width = max((len(row) for row in m), default=0)
                    return [[row[j] for row in reversed(m) if j < len(row)] for j in range(width)]
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], []),
                ([[[5]]], [[5]]),
                ([[[1], [2], [3]]], [[3, 2, 1]]),
                ([[[1, 2], [3, 4]]], [[3, 1], [4, 2]]),
                ([[[1, 2, 3], [4, 5, 6]]], [[4, 1], [5, 2], [6, 3]]),
                ([[[1, 2, 3], [4], [5, 6]]], [[5, 4, 1], [6, 2], [3]]),
                ([[[-1, 1000000], [0, -7]]], [[0, -1], [-7, 1000000]]),
            ),
        ),
    ),
    atom(
        slug="matrix_row_sums",
        params=[("m", "list[list[int]]")],
        returns="list[int]",
        difficulty=1,
        tags=["row-sums", "nested-lists", "aggregate"],
        prompt_en="Return a list with the sum of each row of the matrix m (a list of rows), in row order. Rows may have different lengths; an empty row sums to 0. An empty matrix gives [].",
        prompt_zh="矩阵 m 以行列表的形式给出，按行的顺序返回每一行元素之和组成的列表。各行长度可以不同；空行的和为 0。空矩阵返回 []。",
        solution="""
            def matrix_row_sums(m: list[list[int]]) -> list[int]:
                return [sum(row) for row in m]
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], [0]),
            ([[[5]]], [5]),
            ([[[1, 2, 3], [4, 5, 6]]], [6, 15]),
            ([[[1], [2, 3], []]], [1, 5, 0]),
            ([[[-1, -2], [3, -4]]], [-3, -1]),
            ([[[1000000, 1000000], [1]]], [2000000, 1]),
        ),
        modify=variant(
            change="column sums instead of row sums",
            prompt_en="Return a list with the sum of each column of the matrix m (a list of rows), from the first column to the last. Rows may have different lengths: a missing entry counts as 0, and there are as many columns as the longest row has elements. An empty matrix, or one with only empty rows, gives [].",
            prompt_zh="矩阵 m 以行列表的形式给出，从第一列到最后一列依次返回每一列元素之和组成的列表。各行长度可以不同：缺少的元素按 0 计算，列数等于最长那一行的元素个数。空矩阵或只含空行的矩阵返回 []。",
            solution="""
                def matrix_row_sums(m: list[list[int]]) -> list[int]:
                    width = max((len(row) for row in m), default=0)
                    return [sum(row[j] for row in m if j < len(row)) for j in range(width)]
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], []),
                ([[[5]]], [5]),
                ([[[1, 2, 3], [4, 5, 6]]], [5, 7, 9]),
                ([[[1], [2, 3], []]], [3, 3]),
                ([[[-1, -2], [3, -4]]], [2, -6]),
                ([[[1000000, 1000000], [1]]], [1000001, 1000000]),
            ),
        ),
    ),
    atom(
        slug="matrix_diagonal",
        params=[("m", "list[list[int]]")],
        returns="list[int]",
        difficulty=1,
        tags=["diagonal", "nested-lists", "indexing"],
        prompt_en="Return the main diagonal of the matrix m (a list of rows): the element at position i of row i, for each row i from the top. A row that has no position i (because it is too short) is skipped. An empty matrix gives [].",
        prompt_zh="返回矩阵 m（按行存储的列表）的主对角线：从上到下，对每个第 i 行取它下标为 i 的元素。如果某一行太短、没有下标 i，就跳过这一行。空矩阵返回 []。",
        solution="""
            def matrix_diagonal(m: list[list[int]]) -> list[int]:
                return [row[i] for i, row in enumerate(m) if i < len(row)]
        """,
        cases=cases(
            ([[]], []),
            ([[[7]]], [7]),
            ([[[1, 2], [3, 4]]], [1, 4]),
            ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [1, 5, 9]),
            ([[[1], [2], [3, 4, 5]]], [1, 5]),
            ([[[-5, 0, 0], [0, 1000000, 0]]], [-5, 1000000]),
            ([[[], [1, 2]]], [2]),
        ),
        modify=variant(
            change="anti-diagonal: count positions from the end of each row",
            prompt_en="Return the anti-diagonal of the matrix m (a list of rows): for each row i from the top, the element at position i counted from the end of that row (row 0 gives its last element, row 1 its second-to-last, and so on). A row that is too short to have such an element is skipped. An empty matrix gives [].",
            prompt_zh="返回矩阵 m（按行存储的列表）的副对角线：从上到下，对第 i 行取从该行末尾倒数、下标为 i 的元素（第 0 行取最后一个元素，第 1 行取倒数第二个，依此类推）。如果某一行太短、没有这样的元素，就跳过这一行。空矩阵返回 []。",
            solution="""
                def matrix_diagonal(m: list[list[int]]) -> list[int]:
                    return [row[len(row) - 1 - i] for i, row in enumerate(m) if i < len(row)]
            """,
            cases=cases(
                ([[]], []),
                ([[[7]]], [7]),
                ([[[1, 2], [3, 4]]], [2, 3]),
                ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [3, 5, 7]),
                ([[[1], [2], [3, 4, 5]]], [1, 3]),
                ([[[-5, 0, 0], [0, 1000000, 0]]], [0, 1000000]),
                ([[[], [1, 2]]], [1]),
            ),
        ),
    ),
    atom(
        slug="count_islands",
        params=[("grid", "list[list[int]]")],
        returns="int",
        difficulty=3,
        tags=["connected-components", "flood-fill", "grid"],
        prompt_en="grid is a list of rows of integers; a cell is land if its value is not 0. Return the number of islands: groups of land cells connected horizontally or vertically (not diagonally). Rows may have different lengths; a position beyond the end of a row does not exist and is not land. An empty grid gives 0.",
        prompt_zh="grid 是由若干整数行组成的网格，值不为 0 的格子是陆地。返回岛屿的数量：岛屿是通过上下左右（不含斜向）相连的一组陆地格子。各行长度可以不同，超出某一行末尾的位置视为不存在，也不是陆地。空网格返回 0。",
        solution="""
            def count_islands(grid: list[list[int]]) -> int:
                seen = set()
                islands = 0
                for i, row in enumerate(grid):
                    for j, value in enumerate(row):
                        if value == 0 or (i, j) in seen:
                            continue
                        islands += 1
                        seen.add((i, j))
                        stack = [(i, j)]
                        while stack:
                            r, c = stack.pop()
                            for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                                if (
                                    0 <= nr < len(grid)
                                    and 0 <= nc < len(grid[nr])
                                    and grid[nr][nc] != 0
                                    and (nr, nc) not in seen
                                ):
                                    seen.add((nr, nc))
                                    stack.append((nr, nc))
                return islands
        """,
        cases=cases(
            ([[]], 0),
            ([[[]]], 0),
            ([[[0, 0], [0, 0]]], 0),
            ([[[1]]], 1),
            ([[[1, 0], [0, 1]]], 2),
            ([[[1, 1, 0], [0, 1, 0], [1, 0, 1]]], 3),
            ([[[5, -3, 0, 7], [0, 0, 0, 7], [2]]], 3),
            ([[[1, 0, 1], [0], [1, 0, 1]]], 4),
            ([[[1000000, 1, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1]]], 1),
        ),
        modify=variant(
            change="diagonal neighbours also connect (8-connectivity)",
            prompt_en="grid is a list of rows of integers; a cell is land if its value is not 0. Return the number of islands: groups of land cells connected horizontally, vertically or diagonally (each cell touches up to 8 neighbours). Rows may have different lengths; a position beyond the end of a row does not exist and is not land. An empty grid gives 0.",
            prompt_zh="grid 是由若干整数行组成的网格，值不为 0 的格子是陆地。返回岛屿的数量：岛屿是通过上下左右或斜对角相连的一组陆地格子（每个格子最多与周围 8 个格子相邻）。各行长度可以不同，超出某一行末尾的位置视为不存在，也不是陆地。空网格返回 0。",
            solution="""
                def count_islands(grid: list[list[int]]) -> int:
                    seen = set()
                    islands = 0
                    for i, row in enumerate(grid):
                        for j, value in enumerate(row):
                            if value == 0 or (i, j) in seen:
                                continue
                            islands += 1
                            seen.add((i, j))
                            stack = [(i, j)]
                            while stack:
                                r, c = stack.pop()
                                for dr in (-1, 0, 1):
                                    for dc in (-1, 0, 1):
                                        nr, nc = r + dr, c + dc
                                        if (
                                            0 <= nr < len(grid)
                                            and 0 <= nc < len(grid[nr])
                                            and grid[nr][nc] != 0
                                            and (nr, nc) not in seen
                                        ):
                                            seen.add((nr, nc))
                                            stack.append((nr, nc))
                    return islands
            """,
            cases=cases(
                ([[]], 0),
                ([[[]]], 0),
                ([[[0, 0], [0, 0]]], 0),
                ([[[1]]], 1),
                ([[[1, 0], [0, 1]]], 1),
                ([[[1, 1, 0], [0, 1, 0], [1, 0, 1]]], 1),
                ([[[5, -3, 0, 7], [0, 0, 0, 7], [2]]], 3),
                ([[[1, 0, 1], [0], [1, 0, 1]]], 4),
                ([[[1, 0, 1], [0, 1], [1, 0, 1]]], 1),
            ),
        ),
    ),
    atom(
        slug="to_square_matrix",
        params=[("nums", "list[int]")],
        returns="list[list[int]]",
        difficulty=2,
        tags=["reshape", "padding", "nested-lists"],
        prompt_en="Arrange the list nums into the smallest square matrix that can hold it: with s the smallest integer such that s * s >= len(nums), return s rows of s numbers each, filled row by row (left to right, top to bottom) in the order of nums, padding the remaining cells with 0. An empty list gives [].",
        prompt_zh="把列表 nums 放进能装下它的最小方阵：设 s 为满足 s * s >= len(nums) 的最小整数，返回 s 行、每行 s 个数的矩阵，按 nums 的顺序逐行填写（每行从左到右，行从上到下），剩下的格子补 0。空列表返回 []。",
        solution="""
            def to_square_matrix(nums: list[int]) -> list[list[int]]:
                s = 0
                while s * s < len(nums):
                    s += 1
                padded = list(nums) + [0] * (s * s - len(nums))
                return [padded[r * s:(r + 1) * s] for r in range(s)]
        """,
        cases=cases(
            ([[]], []),
            ([[7]], [[7]]),
            ([[1, 2]], [[1, 2], [0, 0]]),
            ([[1, 2, 3, 4]], [[1, 2], [3, 4]]),
            ([[1, 2, 3, 4, 5]], [[1, 2, 3], [4, 5, 0], [0, 0, 0]]),
            ([[-1, -2, -3]], [[-1, -2], [-3, 0]]),
            (
                [[1000000, 0, 0, 0, 0, 0, 0, 0, 0, 5]],
                [[1000000, 0, 0, 0], [0, 0, 0, 0], [0, 5, 0, 0], [0, 0, 0, 0]],
            ),
        ),
        modify=variant(
            change="fill column by column instead of row by row",
            prompt_en="Arrange the list nums into the smallest square matrix that can hold it: with s the smallest integer such that s * s >= len(nums), return s rows of s numbers each, filled column by column (top to bottom within a column, columns from left to right) in the order of nums, padding the remaining cells with 0. An empty list gives [].",
            prompt_zh="把列表 nums 放进能装下它的最小方阵：设 s 为满足 s * s >= len(nums) 的最小整数，返回 s 行、每行 s 个数的矩阵，按 nums 的顺序逐列填写（每列从上到下，列从左到右），剩下的格子补 0。空列表返回 []。",
            solution="""
                def to_square_matrix(nums: list[int]) -> list[list[int]]:
                    s = 0
                    while s * s < len(nums):
                        s += 1
                    padded = list(nums) + [0] * (s * s - len(nums))
                    return [[padded[c * s + r] for c in range(s)] for r in range(s)]
            """,
            cases=cases(
                ([[]], []),
                ([[7]], [[7]]),
                ([[1, 2]], [[1, 0], [2, 0]]),
                ([[1, 2, 3, 4]], [[1, 3], [2, 4]]),
                ([[1, 2, 3, 4, 5]], [[1, 4, 0], [2, 5, 0], [3, 0, 0]]),
                ([[-1, -2, -3]], [[-1, -3], [-2, 0]]),
                (
                    [[1000000, 0, 0, 0, 0, 0, 0, 0, 0, 5]],
                    [[1000000, 0, 0, 0], [0, 0, 5, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
                ),
            ),
        ),
    ),
    atom(
        slug="spiral_order",
        params=[("m", "list[list[int]]")],
        returns="list[int]",
        difficulty=3,
        tags=["spiral", "traversal", "nested-lists"],
        prompt_en="Return the elements of the matrix m (a list of rows) in clockwise spiral order: start at the top-left corner, go right along the top row, down the right column, left along the bottom row, up the left column, then continue the same way with the inner part until every element is listed once. If the rows have different lengths, first cut every row to the length of the shortest row. An empty matrix, or one with an empty row, gives [].",
        prompt_zh="按顺时针螺旋顺序返回矩阵 m（按行存储的列表）的所有元素：从左上角出发，先沿最上面一行向右，再沿最右一列向下，然后沿最下面一行向左，再沿最左一列向上，接着对里面剩下的部分重复同样的过程，直到每个元素都恰好输出一次。如果各行长度不同，先把每一行都截断到最短那一行的长度。空矩阵或含有空行的矩阵返回 []。",
        solution="""
            def spiral_order(m: list[list[int]]) -> list[int]:
                if not m:
                    return []
                width = min(len(row) for row in m)
                grid = [row[:width] for row in m]
                out = []
                top, bottom, left, right = 0, len(grid) - 1, 0, width - 1
                while top <= bottom and left <= right:
                    for j in range(left, right + 1):
                        out.append(grid[top][j])
                    for i in range(top + 1, bottom + 1):
                        out.append(grid[i][right])
                    if top < bottom:
                        for j in range(right - 1, left - 1, -1):
                            out.append(grid[bottom][j])
                    if left < right:
                        for i in range(bottom - 1, top, -1):
                            out.append(grid[i][left])
                    top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
                return out
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], []),
            ([[[1]]], [1]),
            ([[[1, 2, 3]]], [1, 2, 3]),
            ([[[1], [2], [3]]], [1, 2, 3]),
            ([[[1, 2], [3, 4]]], [1, 2, 4, 3]),
            ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [1, 2, 3, 6, 9, 8, 7, 4, 5]),
            ([[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], [1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7]),
            ([[[1, 2, 3], [-4, 1000000], [6, 7, 8]]], [1, 2, 1000000, 7, 6, -4]),
        ),
        modify=variant(
            change="counter-clockwise spiral (down the left column first)",
            prompt_en="Return the elements of the matrix m (a list of rows) in counter-clockwise spiral order: start at the top-left corner, go down the left column, right along the bottom row, up the right column, left along the top row, then continue the same way with the inner part until every element is listed once. If the rows have different lengths, first cut every row to the length of the shortest row. An empty matrix, or one with an empty row, gives [].",
            prompt_zh="按逆时针螺旋顺序返回矩阵 m（按行存储的列表）的所有元素：从左上角出发，先沿最左一列向下，再沿最下面一行向右，然后沿最右一列向上，再沿最上面一行向左，接着对里面剩下的部分重复同样的过程，直到每个元素都恰好输出一次。如果各行长度不同，先把每一行都截断到最短那一行的长度。空矩阵或含有空行的矩阵返回 []。",
            solution="""
                def spiral_order(m: list[list[int]]) -> list[int]:
                    if not m:
                        return []
                    width = min(len(row) for row in m)
                    grid = [[row[j] for row in m] for j in range(width)]
                    out = []
                    top, bottom, left, right = 0, len(grid) - 1, 0, len(m) - 1
                    while top <= bottom and left <= right:
                        for j in range(left, right + 1):
                            out.append(grid[top][j])
                        for i in range(top + 1, bottom + 1):
                            out.append(grid[i][right])
                        if top < bottom:
                            for j in range(right - 1, left - 1, -1):
                                out.append(grid[bottom][j])
                        if left < right:
                            for i in range(bottom - 1, top, -1):
                                out.append(grid[i][left])
                        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
                    return out
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], []),
                ([[[1]]], [1]),
                ([[[1, 2, 3]]], [1, 2, 3]),
                ([[[1], [2], [3]]], [1, 2, 3]),
                ([[[1, 2], [3, 4]]], [1, 3, 4, 2]),
                ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [1, 4, 7, 8, 9, 6, 3, 2, 5]),
                ([[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], [1, 5, 9, 10, 11, 12, 8, 4, 3, 2, 6, 7]),
                ([[[1, 2, 3], [-4, 1000000], [6, 7, 8]]], [1, -4, 6, 7, 1000000, 2]),
            ),
        ),
    ),
    atom(
        slug="snake_flatten",
        params=[("m", "list[list[int]]")],
        returns="list[int]",
        difficulty=2,
        tags=["boustrophedon", "traversal", "flatten"],
        prompt_en="Flatten the matrix m (a list of rows) in snake order: read row 0 left to right, row 1 right to left, row 2 left to right, and so on, alternating direction on every row (counting empty rows too). Rows may have different lengths. An empty matrix gives [].",
        prompt_zh="按蛇形顺序把矩阵 m（按行存储的列表）展平成一维列表：第 0 行从左往右读，第 1 行从右往左读，第 2 行再从左往右，如此每行交替方向（空行也算一行）。各行长度可以不同。空矩阵返回 []。",
        solution="""
            def snake_flatten(m: list[list[int]]) -> list[int]:
                out = []
                for i, row in enumerate(m):
                    out.extend(row if i % 2 == 0 else row[::-1])
                return out
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], []),
            ([[[1, 2, 3]]], [1, 2, 3]),
            ([[[1, 2], [3, 4]]], [1, 2, 4, 3]),
            ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [1, 2, 3, 6, 5, 4, 7, 8, 9]),
            ([[[1], [2, 3], [], [4, 5, 6]]], [1, 3, 2, 6, 5, 4]),
            ([[[-1, 0], [1000000, 5]]], [-1, 0, 5, 1000000]),
        ),
        modify=variant(
            change="start right to left on the first row",
            prompt_en="Flatten the matrix m (a list of rows) in snake order that starts from the right: read row 0 right to left, row 1 left to right, row 2 right to left, and so on, alternating direction on every row (counting empty rows too). Rows may have different lengths. An empty matrix gives [].",
            prompt_zh="按蛇形顺序把矩阵 m（按行存储的列表）展平成一维列表，但从右边开始：第 0 行从右往左读，第 1 行从左往右读，第 2 行再从右往左，如此每行交替方向（空行也算一行）。各行长度可以不同。空矩阵返回 []。",
            solution="""
                def snake_flatten(m: list[list[int]]) -> list[int]:
                    out = []
                    for i, row in enumerate(m):
                        out.extend(row[::-1] if i % 2 == 0 else row)
                    return out
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], []),
                ([[[1, 2, 3]]], [3, 2, 1]),
                ([[[1, 2], [3, 4]]], [2, 1, 3, 4]),
                ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [3, 2, 1, 4, 5, 6, 9, 8, 7]),
                ([[[1], [2, 3], [], [4, 5, 6]]], [1, 2, 3, 4, 5, 6]),
                ([[[-1, 0], [1000000, 5]]], [0, -1, 1000000, 5]),
            ),
        ),
    ),
    atom(
        slug="multiplication_table",
        params=[("n", "int")],
        returns="list[list[int]]",
        difficulty=1,
        tags=["generate", "nested-lists", "times-table"],
        prompt_en="Return the n-by-n multiplication table as a list of rows: the entry in row i, column j (both counted from 1) is i * j. If n <= 0, return []. If n is larger than 12, build the 12-by-12 table instead.",
        prompt_zh="以行列表的形式返回 n 行 n 列的乘法表：第 i 行第 j 列（均从 1 开始计数）的值为 i * j。n <= 0 时返回 []；n 大于 12 时改为生成 12 行 12 列的表。",
        solution="""
            def multiplication_table(n: int) -> list[list[int]]:
                size = max(0, min(n, 12))
                return [[i * j for j in range(1, size + 1)] for i in range(1, size + 1)]
        """,
        cases=cases(
            ([0], []),
            ([-2], []),
            ([1], [[1]]),
            ([2], [[1, 2], [2, 4]]),
            ([3], [[1, 2, 3], [2, 4, 6], [3, 6, 9]]),
            ([4], [[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12], [4, 8, 12, 16]]),
            (
                [1000000],
                [
                    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24],
                    [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36],
                    [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48],
                    [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60],
                    [6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 66, 72],
                    [7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84],
                    [8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96],
                    [9, 18, 27, 36, 45, 54, 63, 72, 81, 90, 99, 108],
                    [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120],
                    [11, 22, 33, 44, 55, 66, 77, 88, 99, 110, 121, 132],
                    [12, 24, 36, 48, 60, 72, 84, 96, 108, 120, 132, 144],
                ],
            ),
        ),
        modify=variant(
            change="addition table instead of multiplication table",
            prompt_en="Return the n-by-n addition table as a list of rows: the entry in row i, column j (both counted from 1) is i + j. If n <= 0, return []. If n is larger than 12, build the 12-by-12 table instead.",
            prompt_zh="以行列表的形式返回 n 行 n 列的加法表：第 i 行第 j 列（均从 1 开始计数）的值为 i + j。n <= 0 时返回 []；n 大于 12 时改为生成 12 行 12 列的表。",
            solution="""
                def multiplication_table(n: int) -> list[list[int]]:
                    size = max(0, min(n, 12))
                    return [[i + j for j in range(1, size + 1)] for i in range(1, size + 1)]
            """,
            cases=cases(
                ([0], []),
                ([-2], []),
                ([1], [[2]]),
                ([2], [[2, 3], [3, 4]]),
                ([3], [[2, 3, 4], [3, 4, 5], [4, 5, 6]]),
                ([4], [[2, 3, 4, 5], [3, 4, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8]]),
                (
                    [13],
                    [
                        [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
                        [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
                        [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
                        [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
                        [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
                        [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
                        [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
                        [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
                        [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21],
                        [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
                        [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
                        [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
                    ],
                ),
            ),
        ),
    ),
    atom(
        slug="game_of_life_step",
        params=[("grid", "list[list[int]]")],
        returns="list[list[int]]",
        difficulty=3,
        tags=["cellular-automaton", "neighbours", "grid", "simulation"],
        prompt_en="Compute one step of Conway's Game of Life. In grid (a list of rows) a cell is alive if its value is not 0. Count each cell's live neighbours among the 8 cells around it; positions outside the grid, including positions beyond the end of a shorter row, count as dead. A live cell with 2 or 3 live neighbours stays alive; a dead cell with exactly 3 becomes alive; every other cell is dead. Return the new grid with the same shape (same number of rows, each as long as before), using 1 for alive and 0 for dead.",
        prompt_zh="计算康威生命游戏的一步演化。网格 grid 以行列表的形式给出，值不为 0 的格子是活细胞。对每个格子，统计它周围 8 个格子中活细胞的个数；网格之外的位置（包括较短的行末尾之后的位置）都算死细胞。活细胞周围有 2 个或 3 个活细胞时继续存活；死细胞周围恰好有 3 个活细胞时变为活细胞；其余格子都是死细胞。返回形状不变的新网格（行数相同，每行长度也和原来一样），活细胞记为 1，死细胞记为 0。",
        solution="""
            def game_of_life_step(grid: list[list[int]]) -> list[list[int]]:
                out = []
                for i, row in enumerate(grid):
                    new_row = []
                    for j, cell in enumerate(row):
                        live = 0
                        for di in (-1, 0, 1):
                            for dj in (-1, 0, 1):
                                r, c = i + di, j + dj
                                if (di or dj) and 0 <= r < len(grid) and 0 <= c < len(grid[r]) and grid[r][c] != 0:
                                    live += 1
                        alive = live in (2, 3) if cell != 0 else live == 3
                        new_row.append(1 if alive else 0)
                    out.append(new_row)
                return out
        """,
        cases=cases(
            ([[]], []),
            ([[[]]], [[]]),
            ([[[1]]], [[0]]),
            ([[[0, 1, 0], [0, 1, 0], [0, 1, 0]]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]),
            ([[[1, 1], [1, 1]]], [[1, 1], [1, 1]]),
            ([[[5, -2, 0], [0, 3, 0], [0, 0, 0]]], [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
            ([[[1, 1, 1], [1, 0, 1], [1, 0, 0]]], [[1, 0, 1], [1, 0, 1], [0, 1, 0]]),
            ([[[1, 1, 1], [1], [1, 1]]], [[1, 1, 0], [0], [1, 1]]),
        ),
        modify=variant(
            change="HighLife rule: a dead cell is also born with exactly 6 live neighbours",
            prompt_en="Compute one step of the HighLife cellular automaton. In grid (a list of rows) a cell is alive if its value is not 0. Count each cell's live neighbours among the 8 cells around it; positions outside the grid, including positions beyond the end of a shorter row, count as dead. A live cell with 2 or 3 live neighbours stays alive; a dead cell with exactly 3 or exactly 6 live neighbours becomes alive; every other cell is dead. Return the new grid with the same shape (same number of rows, each as long as before), using 1 for alive and 0 for dead.",
            prompt_zh="计算 HighLife 元胞自动机的一步演化。网格 grid 以行列表的形式给出，值不为 0 的格子是活细胞。对每个格子，统计它周围 8 个格子中活细胞的个数；网格之外的位置（包括较短的行末尾之后的位置）都算死细胞。活细胞周围有 2 个或 3 个活细胞时继续存活；死细胞周围恰好有 3 个或恰好有 6 个活细胞时变为活细胞；其余格子都是死细胞。返回形状不变的新网格（行数相同，每行长度也和原来一样），活细胞记为 1，死细胞记为 0。",
            solution="""
                def game_of_life_step(grid: list[list[int]]) -> list[list[int]]:
                    out = []
                    for i, row in enumerate(grid):
                        new_row = []
                        for j, cell in enumerate(row):
                            live = 0
                            for di in (-1, 0, 1):
                                for dj in (-1, 0, 1):
                                    r, c = i + di, j + dj
                                    if (di or dj) and 0 <= r < len(grid) and 0 <= c < len(grid[r]) and grid[r][c] != 0:
                                        live += 1
                            alive = live in (2, 3) if cell != 0 else live in (3, 6)
                            new_row.append(1 if alive else 0)
                        out.append(new_row)
                    return out
            """,
            cases=cases(
                ([[]], []),
                ([[[]]], [[]]),
                ([[[1]]], [[0]]),
                ([[[0, 1, 0], [0, 1, 0], [0, 1, 0]]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]),
                ([[[1, 1], [1, 1]]], [[1, 1], [1, 1]]),
                ([[[1, 1, 1], [1, 0, 1], [1, 0, 0]]], [[1, 0, 1], [1, 1, 1], [0, 1, 0]]),
                ([[[7, 7, 7], [7, 0, 7], [0, 7, 0]]], [[1, 0, 1], [1, 1, 1], [0, 1, 0]]),
                ([[[1, 1, 1], [1], [1, 1]]], [[1, 1, 0], [0], [1, 1]]),
            ),
        ),
    ),
    atom(
        slug="matrix_add",
        params=[("a", "list[list[int]]"), ("b", "list[list[int]]")],
        returns="list[list[int]]",
        difficulty=2,
        tags=["element-wise", "nested-lists", "padding"],
        prompt_en="Add the matrices a and b element by element and return the result as a list of rows. The shapes may differ: a missing entry (a row that does not exist, or a position beyond the end of a row) counts as 0, so the result has max(len(a), len(b)) rows and row i is as long as the longer of a's and b's row i. Two empty matrices give [].",
        prompt_zh="把矩阵 a 和 b 逐元素相加，以行列表的形式返回结果。两个矩阵的形状可以不同：缺少的元素（不存在的行，或超出某行末尾的位置）按 0 计算，因此结果共有 max(len(a), len(b)) 行，第 i 行的长度取 a 与 b 第 i 行中较长的那一个。两个空矩阵返回 []。",
        solution="""
            def matrix_add(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
                out = []
                for i in range(max(len(a), len(b))):
                    ra = a[i] if i < len(a) else []
                    rb = b[i] if i < len(b) else []
                    width = max(len(ra), len(rb))
                    out.append([
                        (ra[j] if j < len(ra) else 0) + (rb[j] if j < len(rb) else 0)
                        for j in range(width)
                    ])
                return out
        """,
        cases=cases(
            ([[], []], []),
            ([[[1, 2]], []], [[1, 2]]),
            ([[], [[1, 2]]], [[1, 2]]),
            ([[[1, 2], [3, 4]], [[10, 20], [30, 40]]], [[11, 22], [33, 44]]),
            ([[[1]], [[1, 2, 3], [4]]], [[2, 2, 3], [4]]),
            ([[[-5], []], [[5], []]], [[0], []]),
            ([[[1000000]], [[1000000]]], [[2000000]]),
        ),
        modify=variant(
            change="subtract b from a instead of adding",
            prompt_en="Subtract the matrix b from the matrix a element by element (a minus b) and return the result as a list of rows. The shapes may differ: a missing entry (a row that does not exist, or a position beyond the end of a row) counts as 0, so the result has max(len(a), len(b)) rows and row i is as long as the longer of a's and b's row i. Two empty matrices give [].",
            prompt_zh="把矩阵 a 与 b 逐元素相减（a 减 b），以行列表的形式返回结果。两个矩阵的形状可以不同：缺少的元素（不存在的行，或超出某行末尾的位置）按 0 计算，因此结果共有 max(len(a), len(b)) 行，第 i 行的长度取 a 与 b 第 i 行中较长的那一个。两个空矩阵返回 []。",
            solution="""
                def matrix_add(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
                    out = []
                    for i in range(max(len(a), len(b))):
                        ra = a[i] if i < len(a) else []
                        rb = b[i] if i < len(b) else []
                        width = max(len(ra), len(rb))
                        out.append([
                            (ra[j] if j < len(ra) else 0) - (rb[j] if j < len(rb) else 0)
                            for j in range(width)
                        ])
                    return out
            """,
            cases=cases(
                ([[], []], []),
                ([[[1, 2]], []], [[1, 2]]),
                ([[], [[1, 2]]], [[-1, -2]]),
                ([[[1, 2], [3, 4]], [[10, 20], [30, 40]]], [[-9, -18], [-27, -36]]),
                ([[[1]], [[1, 2, 3], [4]]], [[0, -2, -3], [-4]]),
                ([[[-5], []], [[5], []]], [[-10], []]),
                ([[[1000000]], [[1000000]]], [[0]]),
            ),
        ),
    ),
]
