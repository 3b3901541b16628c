package dev.sluice.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Scenario 2: one key, two threads hammering the same limiter (the same cell, lock or CAS word).
 * Scores are the average time per call seen by each thread. The benchmarks are in {@link OneKey}.
 */
@State(Scope.Benchmark)
@Threads(2)
public class OneKeyTwoThreads extends OneKey {}
