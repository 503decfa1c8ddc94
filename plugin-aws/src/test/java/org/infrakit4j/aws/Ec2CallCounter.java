package org.infrakit4j.aws;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Counts EC2 API calls (one per SDK call) and attempts (one per HTTP request, retries included) by operation. */
final class Ec2CallCounter implements ExecutionInterceptor {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        calls.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attempts.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                k -> new AtomicInteger()).incrementAndGet();
    }

    /** Calls so far by operation, sorted. */
    Map<String, Integer> calls() {
        Map<String, Integer> out = new TreeMap<>();
        calls.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    int calls(String operation) {
        AtomicInteger n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    int attempts(String operation) {
        AtomicInteger n = attempts.get(operation);
        return n == null ? 0 : n.get();
    }

    int total() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    void reset() {
        calls.clear();
        attempts.clear();
    }
}
