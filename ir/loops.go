// This file splits the values of a loops kernel into its loops.
package ir

// LoopGroups groups the values of a loops kernel into its loops: values of
// one shape joined, directly or through other values, by an argument of
// that shape that both read or that one computes for the other, so that a
// train step's update makes one loop per parameter (its new value and its
// optimizer state's) even where parameters share a shape. Groups come in
// order of their first value, each in body order. The loops kernel's domain
// is the sum of the groups' sizes.
func LoopGroups(values []*Value) [][]*Value {
	parent := map[*Value]*Value{}
	var find func(v *Value) *Value
	find = func(v *Value) *Value {
		p, ok := parent[v]
		if !ok || p == v {
			parent[v] = v
			return v
		}
		r := find(p)
		parent[v] = r
		return r
	}
	for _, v := range values {
		for _, a := range v.Args {
			if a.Type.Shape.Equal(v.Type.Shape) {
				if ra, rv := find(a), find(v); ra != rv {
					parent[ra] = rv
				}
			}
		}
	}
	var groups [][]*Value
	index := map[*Value]int{}
	for _, v := range values {
		r := find(v)
		i, ok := index[r]
		if !ok {
			i = len(groups)
			index[r] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], v)
	}
	return groups
}
