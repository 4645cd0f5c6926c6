// The G-switch baseline of nsleak-bench: two goroutines ping-pong with runtime.Gosched() on
// one P (GOMAXPROCS=1), the same loop as the bench's G switch in nsleak's runtime. Prints the
// nanoseconds per switch (each round trip is two switches). Built and run by ci/bench.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	rounds := 2000000
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil && n > 0 {
			rounds = n
		}
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < rounds; i++ {
			runtime.Gosched()
		}
		close(done)
	}()
	runtime.Gosched() // the other goroutine is running its loop from here on
	t0 := time.Now()
	for i := 0; i < rounds; i++ {
		runtime.Gosched()
	}
	elapsed := time.Since(t0)
	<-done
	fmt.Printf("%.3f\n", float64(elapsed.Nanoseconds())/float64(2*rounds))
}
