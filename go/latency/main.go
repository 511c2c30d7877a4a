// Command latency is the Go side of the tophash latency harness: it inserts
// the same keys, in the same order, into Go 1.19's runtime map as the Rust
// harness (crates/tophash-bench/src/latency/, the timing loop in timing.rs)
// does into each Rust map, timing every insert on its own, and prints the
// report that harness's child processes print (child.rs).
//
// The latency binary (crates/tophash-bench/src/bin/latency.rs) builds it
// with the Go it finds and spawns it once per run (see scripts/latency.sh),
// but it runs alone too:
//
//	go run . -keys u64 -n 1000000 -raw /tmp/go.bin
//
// Keys: key(i) = splitmix64(i) for i in 0..n, where splitmix64 is the i-th
// output of a SplitMix64 generator seeded with 0:
//
//	z = (i+1) * 0x9E3779B97F4A7C15
//	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//	z ^ (z >> 31)
//
// (all mod 2^64; a bijection, so the n keys are distinct). String keys are
// key(i) as 16 lowercase hex digits, built before timing starts. The value
// is i. The map starts empty (no size hint).
//
// Output: one little-endian uint64 per insert (its latency in ns) to -raw,
// and one JSON line on stdout with peak and baseline RSS and the clock's
// overhead.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock (vDSO clock_gettime), the one
// time.Now uses for its monotonic reading, without the wall-clock read.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

func splitmix64(i uint64) uint64 {
	z := (i + 1) * 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

const hexDigits = "0123456789abcdef"

func hexKey(x uint64) string {
	var b [16]byte
	for j := 15; j >= 0; j-- {
		b[j] = hexDigits[x&15]
		x >>= 4
	}
	return string(b[:])
}

type report struct {
	Map             string  `json:"map"`
	Keys            string  `json:"keys"`
	N               uint64  `json:"n"`
	Clock           string  `json:"clock"`
	ClockOverheadNs float64 `json:"clock_overhead_ns"`
	ClockMeanNs     float64 `json:"clock_overhead_mean_ns"`
	ClockResNs      float64 `json:"clock_resolution_ns"`
	BaseRssKiB      uint64  `json:"base_rss_kib"`
	PeakRssKiB      uint64  `json:"peak_rss_kib"`
	MinorFaults     uint64  `json:"minor_faults"`
	VolSwitches     uint64  `json:"voluntary_switches"`
	InvolSwitches   uint64  `json:"involuntary_switches"`
	Runtime         string  `json:"runtime"`
}

// statusKiB reads a "Name:   123 kB" line of /proc/self/status.
func statusKiB(name string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, name+":") {
			f := strings.Fields(line[len(name)+1:])
			if len(f) > 0 {
				v, _ := strconv.ParseUint(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// clockOverhead measures 2^20 back-to-back nanotime() pairs: the median
// and mean (outliers of 1 µs or more left out) difference, and the clock's
// resolution (the greatest common divisor of the common differences: the
// step the clock advances by), in ns.
func clockOverhead() (median, mean, resolution float64) {
	const reps = 1 << 20
	d := make([]int64, reps)
	for i := range d {
		a := nanotime()
		b := nanotime()
		d[i] = b - a
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	var sum, kept, step int64
	count := map[int64]int{}
	for _, x := range d {
		if x < 1000 {
			sum += x
			kept++
		}
		count[x]++
	}
	// The gcd of the common differences (1% of reads or more), so that a
	// rare odd one does not hide the clock's step.
	for x, c := range count {
		if c >= reps/100 {
			step = gcd(step, x)
		}
	}
	resolution = float64(step)
	if kept > 0 {
		mean = float64(sum) / float64(kept)
	}
	return float64(d[reps/2]), mean, resolution
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// usage is the process's minor faults and voluntary and involuntary
// context switches so far.
func usage() (minflt, nvcsw, nivcsw uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, 0
	}
	return uint64(ru.Minflt), uint64(ru.Nvcsw), uint64(ru.Nivcsw)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-latency: error: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	keys := flag.String("keys", "u64", "key type: u64 or string")
	n := flag.Uint64("n", 1000000, "number of inserts (>= 1)")
	raw := flag.String("raw", "", "file for the per-insert latencies (little-endian uint64 ns)")
	flag.Parse()
	if *n == 0 {
		fail("-n must be at least 1")
	}
	if *raw == "" {
		fail("-raw is required")
	}
	if *keys != "u64" && *keys != "string" {
		fail("-keys must be u64 or string, not %q", *keys)
	}
	overhead, mean, resolution := clockOverhead()

	// Allocate and touch the sample buffer (and the string keys) before the
	// baseline RSS reading, so that neither faults inside the timed loop.
	samples := make([]uint64, *n)
	for i := range samples {
		samples[i] = 1
	}
	var skeys []string
	if *keys == "string" {
		skeys = make([]string, *n)
		for i := range skeys {
			skeys[i] = hexKey(splitmix64(uint64(i)))
		}
	}
	runtime.GC()
	base := statusKiB("VmRSS")

	var peak uint64
	f0, v0, i0 := usage()
	if *keys == "u64" {
		m := make(map[uint64]uint64)
		for i := uint64(0); i < *n; i++ {
			k := splitmix64(i)
			t0 := nanotime()
			m[k] = i
			t1 := nanotime()
			samples[i] = uint64(t1 - t0)
		}
		peak = statusKiB("VmHWM")
		runtime.KeepAlive(m)
		if uint64(len(m)) != *n {
			fail("map has %d entries, want %d", len(m), *n)
		}
	} else {
		m := make(map[string]uint64)
		for i := uint64(0); i < *n; i++ {
			k := skeys[i]
			t0 := nanotime()
			m[k] = i
			t1 := nanotime()
			samples[i] = uint64(t1 - t0)
		}
		peak = statusKiB("VmHWM")
		runtime.KeepAlive(m)
		if uint64(len(m)) != *n {
			fail("map has %d entries, want %d", len(m), *n)
		}
	}

	f1, v1, i1 := usage()

	f, err := os.Create(*raw)
	if err != nil {
		fail("%v", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf [8]byte
	for _, s := range samples {
		binary.LittleEndian.PutUint64(buf[:], s)
		if _, err := w.Write(buf[:]); err != nil {
			fail("writing %s: %v", *raw, err)
		}
	}
	if err := w.Flush(); err != nil {
		fail("writing %s: %v", *raw, err)
	}
	if err := f.Close(); err != nil {
		fail("writing %s: %v", *raw, err)
	}
	out, _ := json.Marshal(report{
		Map:             "go",
		Keys:            *keys,
		N:               *n,
		Clock:           "runtime.nanotime (vDSO clock_gettime MONOTONIC)",
		ClockOverheadNs: overhead,
		ClockMeanNs:     mean,
		ClockResNs:      resolution,
		BaseRssKiB:      base,
		PeakRssKiB:      peak,
		MinorFaults:     f1 - f0,
		VolSwitches:     v1 - v0,
		InvolSwitches:   i1 - i0,
		Runtime:         runtime.Version(),
	})
	fmt.Println(string(out))
}
