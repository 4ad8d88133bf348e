//go:build load

package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// startLine is what cmd/xaifake prints once it accepts connections.
var startLine = regexp.MustCompile(`^xaifake listening on (\S+) \(api key: (\S+)\)$`)

// fake is the standalone fake server, running as a process.
type fake struct {
	cmd       *exec.Cmd
	addr, key string
	exited    chan error
}

// startFake builds cmd/xaifake and starts it on 127.0.0.1:0, returning once
// it has printed its start line.
func startFake(t *testing.T, latency time.Duration) *fake {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xaifake")
	build := exec.Command("go", "build", "-o", bin, "github.com/gogrok/sdk/cmd/xaifake")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/xaifake: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-keys", "load-test-key", "-latency", latency.String())
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &fake{cmd: cmd, exited: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() { // keep draining
		}
	}()
	go func() { f.exited <- cmd.Wait() }()
	select {
	case line, ok := <-lines:
		m := startLine.FindStringSubmatch(line)
		if !ok || m == nil {
			cmd.Process.Kill()
			t.Fatalf("xaifake start line %q does not match %v", line, startLine)
		}
		f.addr, f.key = m[1], m[2]
	case err := <-f.exited:
		t.Fatalf("xaifake exited before printing its start line: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("xaifake printed no start line within 30 s")
	}
	t.Cleanup(func() {
		if f.cmd.ProcessState == nil {
			f.cmd.Process.Kill()
			<-f.exited
		}
	})
	return f
}

// stop sends SIGTERM and waits for a clean exit.
func (f *fake) stop(t *testing.T) {
	t.Helper()
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signalling xaifake: %v", err)
	}
	select {
	case err := <-f.exited:
		if err != nil {
			t.Errorf("xaifake exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("xaifake did not stop within 30 s of SIGTERM")
	}
}

// rssBytes returns the resident set size of process pid, from /proc.
func rssBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// sample is the memory of both processes at one moment.
type sample struct {
	at                     time.Duration
	liveHeap, clientRSS    int64 // client: heap live after the last GC, RSS
	fakeRSS                int64
	goroutines, open       int
	streamsDone, chunksAll int64
}

func TestLoad(t *testing.T) {
	duration := envDuration(t, "XAI_LOAD_DURATION", 30*time.Second)
	streams := envInt(t, "XAI_LOAD_STREAMS", 1000)
	latency := envDuration(t, "XAI_LOAD_LATENCY", 50*time.Millisecond)
	every := envDuration(t, "XAI_LOAD_SAMPLE", 2*time.Second)

	f := startFake(t, latency)
	t.Logf("xaifake pid %d on %s; %d concurrent streams for %v, fake latency %v, GOMAXPROCS %d",
		f.cmd.Process.Pid, f.addr, streams, duration, latency, runtime.GOMAXPROCS(0))
	client, err := xai.NewClient(xai.WithEndpoint(f.addr), xai.WithAPIKey(f.key), xai.WithInsecure(), xai.WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var (
		open, done, chunks, unexpected atomic.Int64
		mu                             sync.Mutex
		firstErrs                      []string
		durations                      = make([][]time.Duration, streams)
	)
	fail := func(format string, args ...any) {
		unexpected.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if len(firstErrs) < 10 {
			firstErrs = append(firstErrs, fmt.Sprintf(format, args...))
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				text := fmt.Sprintf("load stream %d turn %d", w, i)
				want := `You said: "` + text + `". ` + xaitest.FixedSentence
				t0 := time.Now()
				open.Add(1)
				stream, err := client.Chat.Create("grok-3").Append(xai.User(text)).Stream(context.Background())
				if err != nil {
					open.Add(-1)
					fail("stream %d: open: %v", w, err)
					continue
				}
				var got strings.Builder
				n := 0
				for chunk, err := range stream.All() {
					if err != nil {
						fail("stream %d: %v", w, err)
						break
					}
					got.WriteString(chunk.Content())
					n++
				}
				stream.Close()
				open.Add(-1)
				if stream.Err() == nil {
					if got.String() != want {
						fail("stream %d: got %q, want %q", w, got.String(), want)
					}
					done.Add(1)
					chunks.Add(int64(n))
					durations[w] = append(durations[w], time.Since(t0))
				}
			}
		}()
	}

	var samples []sample
	stat := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(every)
	for sampling := true; sampling; {
		select {
		case <-ctx.Done():
			sampling = false
		case <-tick.C:
			metrics.Read(stat)
			s := sample{
				at: time.Since(start), liveHeap: int64(stat[0].Value.Uint64()), clientRSS: rssBytes(os.Getpid()),
				fakeRSS: rssBytes(f.cmd.Process.Pid), goroutines: runtime.NumGoroutine(), open: int(open.Load()),
				streamsDone: done.Load(), chunksAll: chunks.Load(),
			}
			samples = append(samples, s)
			t.Logf("t=%5.1fs open %4d goroutines %5d | client live heap %6.1f MiB, RSS %6.1f MiB | fake RSS %6.1f MiB | %7d streams, %8d chunks",
				s.at.Seconds(), s.open, s.goroutines, mib(s.liveHeap), mib(s.clientRSS), mib(s.fakeRSS), s.streamsDone, s.chunksAll)
		}
	}
	tick.Stop()
	wg.Wait()
	elapsed := time.Since(start)

	all := slices.Concat(durations...)
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	t.Logf("%d streams (%.0f/s), %d chunks (%.0f/s) in %v; stream time p50 %v, p99 %v, max %v; %d unexpected errors",
		done.Load(), float64(done.Load())/elapsed.Seconds(), chunks.Load(), float64(chunks.Load())/elapsed.Seconds(),
		elapsed.Round(time.Millisecond), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond),
		pct(1).Round(time.Millisecond), unexpected.Load())
	for _, e := range firstErrs {
		t.Error(e)
	}
	if unexpected.Load() > 0 {
		t.Errorf("%d unexpected errors", unexpected.Load())
	}
	if done.Load() < int64(streams) {
		t.Errorf("only %d streams completed", done.Load())
	}

	// Steady memory: after the first third of the run (warm-up), neither
	// process keeps growing. The client's live heap is compared at the
	// end with its level after warm-up; RSS, which the runtime returns to
	// the system lazily, only has to stop growing.
	if len(samples) >= 6 {
		third := len(samples) / 3
		warm, last := samples[third:2*third], samples[2*third:]
		check := func(what string, get func(sample) int64, slack float64) {
			var peakWarm, peakLast int64
			for _, s := range warm {
				peakWarm = max(peakWarm, get(s))
			}
			for _, s := range last {
				peakLast = max(peakLast, get(s))
			}
			t.Logf("%s: peak %.1f MiB in the middle third, %.1f MiB in the last", what, mib(peakWarm), mib(peakLast))
			if float64(peakLast) > slack*float64(peakWarm) {
				t.Errorf("%s grows: peak %.1f MiB in the middle third of the run, %.1f MiB in the last", what, mib(peakWarm), mib(peakLast))
			}
		}
		check("client live heap", func(s sample) int64 { return s.liveHeap }, 1.25)
		check("client RSS", func(s sample) int64 { return s.clientRSS }, 1.25)
		check("fake RSS", func(s sample) int64 { return s.fakeRSS }, 1.25)
	} else {
		t.Logf("only %d memory samples: too few to judge growth", len(samples))
	}

	client.Close()
	f.stop(t)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
