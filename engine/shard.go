package engine

import (
	"fmt"
	"hash/fnv"
	"iter"
	"strconv"
	"strings"
)

// Shard is one share of a fleet split across Count processes (the
// completions of a Kubernetes Indexed Job, say): shard Index owns the
// targets whose name hashes to it. The assignment uses rendezvous
// (highest-random-weight) hashing of the target's name alone, so it is the
// same in every process, does not depend on the order or the number of the
// other targets, and adding targets to a fleet moves none of the existing
// ones; changing Count moves about 1/Count of them. The zero value owns
// every target.
type Shard struct {
	Index, Count int
}

// ParseShard parses "I/N" with 0 ≤ I < N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("invalid shard %q: want I/N, for example 0/4", s)
	}
	sh := Shard{Index: idx, Count: count}
	if err := sh.validate(); err != nil {
		return Shard{}, err
	}
	return sh, nil
}

func (s Shard) validate() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("invalid shard %d/%d: want 0 <= I < N", s.Index, s.Count)
	}
	return nil
}

// String returns "I/N".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// Owns reports whether the target called name belongs to this shard.
func (s Shard) Owns(name string) bool {
	if s.Count <= 1 {
		return true
	}
	return ShardOf(name, s.Count) == s.Index
}

// Targets yields the targets of seq that the shard owns.
func (s Shard) Targets(seq iter.Seq[Target]) iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for t := range seq {
			if s.Owns(t.Name) && !yield(t) {
				return
			}
		}
	}
}

// ShardOf returns the shard, in [0, count), that owns the target called
// name: the shard whose weight hash(name, shard) is the highest.
func ShardOf(name string, count int) int {
	best, bestW := 0, uint64(0)
	base := fnv.New64a()
	base.Write([]byte(name))
	h := base.Sum64()
	for i := range count {
		w := mix(h ^ mix(uint64(i)+0x9e3779b97f4a7c15))
		if i == 0 || w > bestW {
			best, bestW = i, w
		}
	}
	return best
}

// mix is the splitmix64 finaliser: it spreads every input bit over the
// output, which FNV alone does poorly for short names.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
