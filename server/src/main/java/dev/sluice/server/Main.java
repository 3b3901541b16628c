package dev.sluice.server;

public final class Main {
  public static void main(String[] args) {
    System.out.println(io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.SERVICE_NAME);
  }
}
