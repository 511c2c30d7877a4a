// Command compare runs tophash's comparison workloads on Go's runtime map
// (built with Go 1.19: the classic bucketed map tophash is modelled on) and
// prints one JSON object per line for the Rust runner
// (crates/tophash-bench/src/bin/compare/), which builds and invokes it.
//
// Keys, orders, values, workloads and checksums follow the formulas
// documented in crates/tophash-bench/src/keys.rs and work.rs; they are
// restated here so this file stands alone:
//
//	key(i):   u64_seq  -> i
//	          u64_rand -> splitmix64(i) = mix((i+1) * 0x9E3779B97F4A7C15)
//	          string   -> words[p] (i < W) or words[p] + "#" + decimal(i/W),
//	                      p = (i mod W) * stride(W) mod W, W = number of words
//	stride(m) = smallest s >= 2654435761 with gcd(s, m) == 1
//	perm(j)   = j * stride(n) mod n
//	keys[i] = key(i) with value i; lookup[j] = key(perm(j));
//	miss[j] = key(n + perm(j)); fresh[j] = key(n + j)
//
// Workloads per round (each timed over `iters` = ceil(min-ops / n) passes,
// clocked per pass or, for lookups and iteration, per group of passes
// covering >= 10,000 operations; a round reports the median sample in ns/op):
//
//	insert           n inserts into make(map[K]uint64)         checksum: fresh inserts (n)
//	insert_presized  the same into make(map[K]uint64, n)        checksum: n
//	lookup_hit       m[k] for k in lookup                       checksum: sum of values, n(n-1)/2
//	lookup_miss      m[k] for k in miss                         checksum: keys found, 0
//	remove           delete(m, k) for k in lookup               checksum: sum of values before (untimed), map empty after
//	churn            delete(m, keys[j]); m[fresh[j]] = j        checksum: sum of values after (untimed), len n
//	iterate          for _, v := range m                        checksum: sum of values
//	clone            make(map, len(m)) + range copy             checksum: sum of the clone's values
//	                 (Go 1.19 has no maps.Clone)
//
// Memory: one extra untimed build per (keys, size): the HeapAlloc delta
// around it, each side measured after runtime.GC(). Key strings are built
// before the measurement, so only the map is counted.
//
// Each sample is wall time minus the time the (locked) OS thread sat
// runnable waiting for a CPU (/proc/thread-self/schedstat), as in the Rust
// runner.
//
// Every checksum is checked here (exit status 1 on a mismatch) and printed,
// so the runner can compare it with the Rust maps' checksums too.
// Only the standard library is used.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	gamma      = 0x9E3779B97F4A7C15
	strideBase = 2654435761
	maxSize    = 1_000_000_000
)

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func splitmix64(i uint64) uint64 { return mix((i + 1) * gamma) }

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func stride(m uint64) uint64 {
	s := uint64(strideBase)
	for gcd(s, m) != 1 {
		s++
	}
	return s
}

type keySet[K comparable] struct {
	keys, lookup, miss, fresh []K
}

func buildKeys[K comparable](n int, key func(uint64) K) *keySet[K] {
	n64 := uint64(n)
	m := n64
	if m == 0 {
		m = 1
	}
	s := stride(m)
	ks := &keySet[K]{
		keys:   make([]K, n),
		lookup: make([]K, n),
		miss:   make([]K, n),
		fresh:  make([]K, n),
	}
	for j := uint64(0); j < n64; j++ {
		p := j * s % n64
		ks.keys[j] = key(j)
		ks.lookup[j] = key(p)
		ks.miss[j] = key(n64 + p)
		ks.fresh[j] = key(n64 + j)
	}
	return ks
}

func loadWords(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read word list: %w (on Debian: apt-get install wamerican)", err)
	}
	var words []string
	seen := make(map[string]bool)
	for _, line := range strings.Split(string(data), "\n") {
		w := strings.TrimSuffix(line, "\r")
		if w == "" {
			continue
		}
		if strings.Contains(w, "#") {
			return nil, fmt.Errorf("word %q contains '#'", w)
		}
		if seen[w] {
			return nil, fmt.Errorf("duplicate word %q", w)
		}
		seen[w] = true
		words = append(words, w)
	}
	if len(words) == 0 {
		return nil, errors.New("no words")
	}
	return words, nil
}

func stringKey(words []string, s uint64) func(uint64) string {
	w := uint64(len(words))
	return func(i uint64) string {
		word := words[(i%w)*s%w]
		if i < w {
			return word
		}
		return word + "#" + strconv.FormatUint(i/w, 10)
	}
}

type timeRecord struct {
	Type     string    `json:"type"`
	Map      string    `json:"map"`
	Keys     string    `json:"keys"`
	Size     int       `json:"size"`
	Workload string    `json:"workload"`
	Iters    int       `json:"iters"`
	Rounds   []float64 `json:"rounds_ns_per_op"`
	Checksum uint64    `json:"checksum"`
}

type memRecord struct {
	Type      string `json:"type"`
	Map       string `json:"map"`
	Keys      string `json:"keys"`
	Size      int    `json:"size"`
	LiveBytes int64  `json:"live_bytes"`
}

var out = json.NewEncoder(os.Stdout)

func emit(v any) {
	if err := out.Encode(v); err != nil {
		fail("writing output: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go compare: "+format+"\n", args...)
	os.Exit(1)
}

func indexSum(n int) uint64 {
	u := uint64(n)
	if u == 0 {
		return 0
	}
	if u%2 == 0 {
		return (u / 2) * (u - 1)
	}
	return u * ((u - 1) / 2)
}

func expected(w string, n int) uint64 {
	switch w {
	case "insert", "insert_presized":
		return uint64(n)
	case "lookup_miss":
		return 0
	default:
		return indexSum(n)
	}
}

type config struct {
	reps      int
	minOps    int
	workloads map[string]bool
}

func fill[K comparable](m map[K]uint64, keys []K) uint64 {
	var fresh uint64
	for i, k := range keys {
		l := len(m)
		m[k] = uint64(i)
		if len(m) != l {
			fresh++
		}
	}
	return fresh
}

func build[K comparable](keys []K) map[K]uint64 {
	m := make(map[K]uint64)
	fill(m, keys)
	if len(m) != len(keys) {
		fail("building the map lost keys")
	}
	return m
}

func sumValues[K comparable](m map[K]uint64) uint64 {
	var s uint64
	for _, v := range m {
		s += v
	}
	return s
}

// minSampleOps is the least number of operations a lookup or iteration
// sample covers: passes over small maps are grouped so the clock's cost
// stays negligible.
const minSampleOps = 10_000

// clock times a function: wall time minus the time this (locked) OS thread
// spent runnable but waiting for a CPU, from /proc/thread-self/schedstat's
// run_delay, read outside the timed span; as the Rust runner's Clock, so
// other processes on a shared machine do not inflate samples. Plain wall
// time where the file is missing.
type clock struct {
	schedstat *os.File
	buf       [96]byte
}

func newClock() *clock {
	f, err := os.Open("/proc/thread-self/schedstat")
	if err != nil {
		return &clock{}
	}
	return &clock{schedstat: f}
}

func (c *clock) runDelay() (uint64, bool) {
	if c.schedstat == nil {
		return 0, false
	}
	n, err := c.schedstat.ReadAt(c.buf[:], 0)
	if n == 0 && err != nil {
		return 0, false
	}
	f := strings.Fields(string(c.buf[:n]))
	if len(f) < 2 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[1], 10, 64)
	return v, err == nil
}

func (c *clock) time(f func()) time.Duration {
	w0, ok0 := c.runDelay()
	t := time.Now()
	f()
	d := time.Since(t)
	w1, ok1 := c.runDelay()
	if ok0 && ok1 && w1 >= w0 {
		// A wait longer than the span happened (partly) outside it: keep
		// the raw time and let the median discard it.
		if w := time.Duration(w1 - w0); w < d {
			return d - w
		}
	}
	return d
}

func median(xs []float64) float64 {
	v := append([]float64(nil), xs...)
	sort.Float64s(v)
	l := len(v)
	if l == 0 {
		return 0
	}
	if l%2 == 1 {
		return v[l/2]
	}
	return (v[l/2-1] + v[l/2]) / 2
}

// run measures every workload on one key set and emits its records.
//
// As in the Rust runner: per round, each workload is timed over `iters`
// passes of n operations, clocked per pass (per `chunk` passes for lookups
// and iteration); a round's figure is the median sample and the
// runner reports the median round.
func run[K comparable](kind string, ks *keySet[K], cfg *config) {
	n := len(ks.keys)
	iters := (cfg.minOps + n - 1) / n
	chunk := (minSampleOps + n - 1) / n
	chunks := (iters + chunk - 1) / chunk
	rounds := map[string][]float64{}
	sums := map[string]uint64{}
	check := func(w string, c uint64) {
		if e := expected(w, n); c != e {
			fail("%s: %s at n=%d: checksum %d != expected %d", kind, w, n, c, e)
		}
		sums[w] = c
	}
	var samples []float64
	sample := func(d time.Duration, ops int) {
		samples = append(samples, float64(d.Nanoseconds())/float64(ops))
	}
	record := func(w string) {
		rounds[w] = append(rounds[w], median(samples))
		samples = samples[:0]
	}

	// Memory: one untimed build from empty.
	{
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		m := build(ks.keys)
		runtime.GC()
		runtime.ReadMemStats(&b)
		runtime.KeepAlive(m)
		emit(memRecord{"mem", "go", kind, n, int64(b.HeapAlloc) - int64(a.HeapAlloc)})
	}

	clk := newClock()
	for round := 0; round < cfg.reps; round++ {
		// insert: from empty. The last map built is the subject of the
		// read-only workloads and of the first remove pass.
		var m map[K]uint64
		for it := 0; it < iters; it++ {
			m = nil
			var c uint64
			sample(clk.time(func() {
				m = make(map[K]uint64)
				c = fill(m, ks.keys)
			}), n)
			check("insert", c)
		}
		record("insert")

		if cfg.workloads["insert_presized"] {
			for it := 0; it < iters; it++ {
				var c uint64
				sample(clk.time(func() {
					mm := make(map[K]uint64, n)
					c = fill(mm, ks.keys)
				}), n)
				check("insert_presized", c)
			}
			record("insert_presized")
		}

		if cfg.workloads["lookup_hit"] {
			for it := 0; it < chunks; it++ {
				var s uint64
				sample(clk.time(func() {
					for c := 0; c < chunk; c++ {
						s = 0
						for _, k := range ks.lookup {
							s += m[k]
						}
					}
				}), chunk*n)
				check("lookup_hit", s)
			}
			record("lookup_hit")
		}

		if cfg.workloads["lookup_miss"] {
			for it := 0; it < chunks; it++ {
				var found uint64
				sample(clk.time(func() {
					for c := 0; c < chunk; c++ {
						found = 0
						for _, k := range ks.miss {
							if _, ok := m[k]; ok {
								found++
							}
						}
					}
				}), chunk*n)
				check("lookup_miss", found)
			}
			record("lookup_miss")
		}

		if cfg.workloads["iterate"] {
			for it := 0; it < chunks; it++ {
				var s uint64
				var count int
				sample(clk.time(func() {
					for c := 0; c < chunk; c++ {
						s, count = 0, 0
						for _, v := range m {
							s += v
							count++
						}
					}
				}), chunk*n)
				if count != n {
					fail("%s: iterate at n=%d visited %d entries", kind, n, count)
				}
				check("iterate", s)
			}
			record("iterate")
		}

		if cfg.workloads["clone"] {
			// One clone per sample, as in the Rust runner.
			for it := 0; it < iters; it++ {
				var cp map[K]uint64
				sample(clk.time(func() {
					cp = make(map[K]uint64, len(m))
					for k, v := range m {
						cp[k] = v
					}
				}), n)
				if len(cp) != n {
					fail("%s: clone at n=%d has %d entries", kind, n, len(cp))
				}
				check("clone", sumValues(cp))
			}
			record("clone")
		}

		if cfg.workloads["remove"] {
			for it := 0; it < iters; it++ {
				mm := m
				if it > 0 {
					mm = build(ks.keys)
				}
				pre := sumValues(mm)
				sample(clk.time(func() {
					for _, k := range ks.lookup {
						delete(mm, k)
					}
				}), n)
				if len(mm) != 0 {
					fail("%s: remove at n=%d left %d entries", kind, n, len(mm))
				}
				check("remove", pre)
			}
			m = nil
			record("remove")
		}

		if cfg.workloads["churn"] {
			for it := 0; it < iters; it++ {
				mm := build(ks.keys)
				sample(clk.time(func() {
					for j, k := range ks.keys {
						delete(mm, k)
						mm[ks.fresh[j]] = uint64(j)
					}
				}), n)
				if len(mm) != n {
					fail("%s: churn at n=%d left %d entries", kind, n, len(mm))
				}
				check("churn", sumValues(mm))
			}
			record("churn")
		}
		runtime.KeepAlive(m)
	}

	names := make([]string, 0, len(rounds))
	for w := range rounds {
		names = append(names, w)
	}
	sort.Strings(names)
	for _, w := range names {
		if w == "insert" && !cfg.workloads["insert"] {
			continue
		}
		emit(timeRecord{"time", "go", kind, n, w, iters, rounds[w], sums[w]})
	}
}

func parseList(s string) []string {
	var r []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			r = append(r, f)
		}
	}
	return r
}

func main() {
	// The clock reads this thread's scheduler statistics, so the main
	// goroutine must stay on it.
	runtime.LockOSThread()
	sizes := flag.String("sizes", "1000,100000", "comma-separated map sizes")
	kinds := flag.String("keys", "u64_seq,u64_rand,string", "comma-separated key kinds")
	workloads := flag.String("workloads", "insert,insert_presized,lookup_hit,lookup_miss,remove,churn,iterate,clone",
		"comma-separated workloads")
	reps := flag.Int("reps", 5, "rounds per (keys, size)")
	minOps := flag.Int("min-ops", 1_000_000, "repeat each timed pass until at least this many operations")
	wordsPath := flag.String("words", "/usr/share/dict/american-english", "word list for string keys")
	flag.Parse()
	if flag.NArg() != 0 {
		fail("unexpected argument %q", flag.Arg(0))
	}
	if *reps < 1 || *minOps < 1 {
		fail("-reps and -min-ops must be at least 1")
	}

	cfg := &config{reps: *reps, minOps: *minOps, workloads: map[string]bool{}}
	known := map[string]bool{"insert": true, "insert_presized": true, "lookup_hit": true, "lookup_miss": true,
		"remove": true, "churn": true, "iterate": true, "clone": true}
	for _, w := range parseList(*workloads) {
		if !known[w] {
			fail("unknown workload %q", w)
		}
		cfg.workloads[w] = true
	}

	var ns []int
	for _, s := range parseList(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSize {
			fail("bad size %q (want an integer in 1..=%d)", s, maxSize)
		}
		ns = append(ns, n)
	}

	var words []string
	for _, k := range parseList(*kinds) {
		switch k {
		case "u64_seq", "u64_rand":
		case "string":
			if words == nil {
				w, err := loadWords(*wordsPath)
				if err != nil {
					fail("word list %s: %v", *wordsPath, err)
				}
				words = w
			}
		default:
			fail("unknown key kind %q", k)
		}
	}

	stdout := bufio.NewWriter(os.Stdout)
	out = json.NewEncoder(stdout)
	defer stdout.Flush()
	for _, k := range parseList(*kinds) {
		for _, n := range ns {
			switch k {
			case "u64_seq":
				run(k, buildKeys(n, func(i uint64) uint64 { return i }), cfg)
			case "u64_rand":
				run(k, buildKeys(n, splitmix64), cfg)
			case "string":
				run(k, buildKeys(n, stringKey(words, stride(uint64(len(words))))), cfg)
			}
			runtime.GC()
			if err := stdout.Flush(); err != nil {
				fail("writing output: %v", err)
			}
		}
	}
}
