// Command lab-grow shows what Go 1.19's runtime map does as keys are
// inserted, for `tophash-lab grow` and `tophash-lab layout`
// (crates/tophash-lab), which build and run it. Standard library only.
//
// It reads the map header (runtime.hmap) through a mirror struct whose
// fields follow src/runtime/map.go of Go 1.19:
//
//	count int; flags uint8; B uint8; noverflow uint16; hash0 uint32;
//	buckets, oldbuckets unsafe.Pointer; nevacuate uintptr; extra *mapextra
//
// and checks after every insert that the mirror's count equals len(m), so
// a wrong mirror fails loudly instead of printing wrong numbers.
//
// Modes (one per run):
//
//	-offsets              the mirror's field offsets, one "name offset" a line
//	-seq N -keys K        insert N keys (K = int: i, for the lab's u64 keys;
//	                      string: "k<i>") into
//	                      make(map[K]int); after each insert print
//	                      "i B noverflow growing samesize nevacuate"
//	                      (i from 1; growing = oldbuckets != nil;
//	                      samesize = flags&sameSizeGrow != 0)
//	-claim P -runs R      R fresh maps: insert "k0".."k<P-1>", then
//	                      "trigger"; per run print
//	                      "run B noverflow growing | B noverflow growing samesize | starts next"
//	                      before and after the trigger insert, how many
//	                      growths it started (0 or 1 by observation: B
//	                      changed, or oldbuckets appeared), and the number
//	                      of the insert (of "k<P>", "k<P+1>", ...) that
//	                      starts the next growth
//	-layout SPECS         for each "ks:ka:vs:va" (sizes and alignments in
//	                      bytes), the map type reflect.MapOf builds for
//	                      [ks/ka]uintN keys and [vs/va]uintN elems:
//	                      "spec keysize elemsize bucketsize indirectkey indirectelem"
//	-static               the same numbers for compiler-made map types
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// hmap mirrors runtime.hmap (Go 1.19).
type hmap struct {
	count      int
	flags      uint8
	B          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	extra      unsafe.Pointer
}

const sameSizeGrow = 8

func header[K comparable, V any](m map[K]V) *hmap {
	return *(**hmap)(unsafe.Pointer(&m))
}

type state struct {
	b         uint8
	noverflow uint16
	growing   bool
	samesize  bool
	nevacuate uintptr
}

func read[K comparable, V any](m map[K]V) state {
	h := header(m)
	if h.count != len(m) {
		fmt.Fprintf(os.Stderr, "lab-grow: hmap mirror mismatch: count %d, len %d\n", h.count, len(m))
		os.Exit(3)
	}
	return state{h.B, h.noverflow, h.oldbuckets != nil, h.flags&sameSizeGrow != 0, h.nevacuate}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func seq[K comparable](n int, key func(int) K, w *bufio.Writer) {
	m := make(map[K]int)
	for i := 0; i < n; i++ {
		m[key(i)] = i
		s := read(m)
		fmt.Fprintf(w, "%d %d %d %d %d %d\n", i+1, s.b, s.noverflow, b2i(s.growing), b2i(s.samesize), s.nevacuate)
	}
}

func claim(prefill, runs int, w *bufio.Writer) {
	for r := 0; r < runs; r++ {
		m := make(map[string]int)
		for i := 0; i < prefill; i++ {
			m[fmt.Sprintf("k%d", i)] = i
		}
		before := read(m)
		m["trigger"] = 999
		after := read(m)
		starts := 0
		if after.b != before.b || (!before.growing && after.growing) {
			starts = 1
		}
		// Keep inserting "k<P>", "k<P+1>", ... until a growth starts.
		next := 0
		for i := prefill; i < 64*prefill+64 && next == 0; i++ {
			prev := read(m)
			m[fmt.Sprintf("k%d", i)] = i
			s := read(m)
			if s.b != prev.b || (!prev.growing && s.growing) {
				next = len(m)
			}
		}
		fmt.Fprintf(w, "%d %d %d %d | %d %d %d %d | %d %d\n", r, before.b, before.noverflow, b2i(before.growing),
			after.b, after.noverflow, b2i(after.growing), b2i(after.samesize), starts, next)
	}
}

// mapType mirrors reflect.mapType / runtime.maptype (Go 1.19) after the
// embedded rtype.
type rtype struct {
	size       uintptr
	ptrdata    uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      unsafe.Pointer
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

type mapType struct {
	rtype
	key        *rtype
	elem       *rtype
	bucket     *rtype
	hasher     unsafe.Pointer
	keysize    uint8
	valuesize  uint8
	bucketsize uint16
	flags      uint32
}

func describe(name string, t reflect.Type, w *bufio.Writer) {
	if t.Kind() != reflect.Map {
		fmt.Fprintf(os.Stderr, "lab-grow: %s is not a map type\n", name)
		os.Exit(2)
	}
	mt := (*mapType)((*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1])
	if mt.key.size != t.Key().Size() || mt.elem.size != t.Elem().Size() || mt.bucket.size != uintptr(mt.bucketsize) {
		fmt.Fprintf(os.Stderr, "lab-grow: maptype mirror mismatch for %s\n", name)
		os.Exit(3)
	}
	fmt.Fprintf(w, "%s %d %d %d %d %d\n", name, mt.keysize, mt.valuesize, mt.bucketsize, mt.flags&1, (mt.flags>>1)&1)
}

func uintOf(align int) reflect.Type {
	switch align {
	case 1:
		return reflect.TypeOf(uint8(0))
	case 2:
		return reflect.TypeOf(uint16(0))
	case 4:
		return reflect.TypeOf(uint32(0))
	case 8:
		return reflect.TypeOf(uint64(0))
	}
	fmt.Fprintf(os.Stderr, "lab-grow: Go has no %d-byte alignment on this platform (1, 2, 4 or 8)\n", align)
	os.Exit(2)
	return nil
}

func arrayOf(size, align int) reflect.Type {
	if size%align != 0 {
		fmt.Fprintf(os.Stderr, "lab-grow: size %d is not a multiple of alignment %d\n", size, align)
		os.Exit(2)
	}
	return reflect.ArrayOf(size/align, uintOf(align))
}

func layout(specs string, w *bufio.Writer) {
	for _, spec := range strings.Split(specs, ",") {
		var n [4]int
		parts := strings.Split(spec, ":")
		if len(parts) != 4 {
			fmt.Fprintf(os.Stderr, "lab-grow: bad layout spec %q (want ks:ka:vs:va)\n", spec)
			os.Exit(2)
		}
		for i, p := range parts {
			v, err := strconv.Atoi(p)
			if err != nil || v < 0 {
				fmt.Fprintf(os.Stderr, "lab-grow: bad number %q in %q\n", p, spec)
				os.Exit(2)
			}
			n[i] = v
		}
		describe(spec, reflect.MapOf(arrayOf(n[0], n[1]), arrayOf(n[2], n[3])), w)
	}
}

func static(w *bufio.Writer) {
	describe("map[uint64]uint64", reflect.TypeOf(map[uint64]uint64{}), w)
	describe("map[uint32]uint32", reflect.TypeOf(map[uint32]uint32{}), w)
	describe("map[uint64]uint8", reflect.TypeOf(map[uint64]uint8{}), w)
	describe("map[uint8]uint64", reflect.TypeOf(map[uint8]uint64{}), w)
	describe("map[string]int", reflect.TypeOf(map[string]int{}), w)
	describe("map[[32]byte][40]byte", reflect.TypeOf(map[[32]byte][40]byte{}), w)
	describe("map[[129]byte]uint64", reflect.TypeOf(map[[129]byte]uint64{}), w)
	describe("map[uint64][200]byte", reflect.TypeOf(map[uint64][200]byte{}), w)
}

func main() {
	offsets := flag.Bool("offsets", false, "print the hmap mirror's field offsets")
	n := flag.Int("seq", 0, "insert this many keys, printing the header after each")
	keys := flag.String("keys", "string", "key kind for -seq: int or string")
	prefill := flag.Int("claim", 0, "keys before the trigger insert")
	runs := flag.Int("runs", 1, "maps for -claim")
	specs := flag.String("layout", "", "comma-separated ks:ka:vs:va")
	st := flag.Bool("static", false, "layouts of compiler-made map types")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	defer w.Flush()
	switch {
	case *offsets:
		var h hmap
		fmt.Fprintf(w, "count %d\nflags %d\nB %d\nnoverflow %d\nhash0 %d\nbuckets %d\noldbuckets %d\nnevacuate %d\nextra %d\nsize %d\n",
			unsafe.Offsetof(h.count), unsafe.Offsetof(h.flags), unsafe.Offsetof(h.B), unsafe.Offsetof(h.noverflow),
			unsafe.Offsetof(h.hash0), unsafe.Offsetof(h.buckets), unsafe.Offsetof(h.oldbuckets),
			unsafe.Offsetof(h.nevacuate), unsafe.Offsetof(h.extra), unsafe.Sizeof(h))
	case *n > 0 && *keys == "int":
		seq(*n, func(i int) int { return i }, w)
	case *n > 0 && *keys == "string":
		seq(*n, func(i int) string { return "k" + strconv.Itoa(i) }, w)
	case *n > 0:
		fmt.Fprintf(os.Stderr, "lab-grow: -keys must be int or string\n")
		os.Exit(2)
	case *prefill > 0:
		claim(*prefill, *runs, w)
	case *specs != "":
		layout(*specs, w)
	case *st:
		static(w)
	default:
		fmt.Fprintf(os.Stderr, "lab-grow: give -offsets, -seq N, -claim P, -layout SPECS or -static\n")
		os.Exit(2)
	}
}
