package org.infrakit4j.aws;

import org.infrakit4j.spi.BackendMeter;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Reports every EC2 API call to the {@link BackendMeter}, named by its EC2 action ({@code RunInstances}, ...: the
 * SDK's fixed operation names, never request data). One SDK call is one backend call: its duration covers all HTTP
 * attempts and the backoff between them, and it failed when the plugin saw it fail. A DryRun's
 * {@code DryRunOperation} answer is EC2 saying yes, so it is no failure.
 */
final class Ec2Meter implements ExecutionInterceptor {
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("ik4j.meter.started");

    private final BackendMeter meter;

    Ec2Meter(BackendMeter meter) {
        this.meter = meter;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        attributes.putAttribute(STARTED, System.nanoTime());
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        record(attributes, false);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        boolean dryRunYes = context.exception() instanceof SdkException e
                && Ec2Errors.code(e).equals("DryRunOperation");
        record(attributes, !dryRunYes);
    }

    private void record(ExecutionAttributes attributes, boolean failed) {
        Long started = attributes.getAttribute(STARTED);
        if (started != null) {
            meter.record(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                    System.nanoTime() - started, failed);
        }
    }
}
