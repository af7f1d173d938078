// Package par runs independent steps at once.
package par

import "sync"

// Each runs fn for 0..n-1 concurrently and waits for all of them.
func Each(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fn(i) }()
	}
	wg.Wait()
}
