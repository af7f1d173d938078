package mesh

// Components groups 0..n-1 into the connected components of edges (union-find with path
// compression). Each component lists its indexes in order; components come in the order of
// their first index.
func Components(n int, edges [][2]int) [][]int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	for _, e := range edges {
		parent[find(e[0])] = find(e[1])
	}
	pos := map[int]int{}
	var out [][]int
	for i := 0; i < n; i++ {
		r := find(i)
		k, ok := pos[r]
		if !ok {
			k = len(out)
			pos[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}
