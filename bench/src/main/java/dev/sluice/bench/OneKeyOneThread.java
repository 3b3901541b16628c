package dev.sluice.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/** Scenario 1: one key, one thread. The benchmarks are in {@link OneKey}. */
@State(Scope.Benchmark)
@Threads(1)
public class OneKeyOneThread extends OneKey {}
