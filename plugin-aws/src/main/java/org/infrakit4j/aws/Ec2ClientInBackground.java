package org.infrakit4j.aws;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ServiceClientConfiguration;
import software.amazon.awssdk.services.ec2.model.AttachVolumeRequest;
import software.amazon.awssdk.services.ec2.model.AttachVolumeResponse;
import software.amazon.awssdk.services.ec2.model.CancelSpotInstanceRequestsRequest;
import software.amazon.awssdk.services.ec2.model.CancelSpotInstanceRequestsResponse;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.CreateTagsResponse;
import software.amazon.awssdk.services.ec2.model.DescribeAvailabilityZonesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeAvailabilityZonesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSpotInstanceRequestsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSpotInstanceRequestsResponse;
import software.amazon.awssdk.services.ec2.model.DescribeVolumesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeVolumesResponse;
import software.amazon.awssdk.services.ec2.model.GetConsoleOutputRequest;
import software.amazon.awssdk.services.ec2.model.GetConsoleOutputResponse;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.StartInstancesRequest;
import software.amazon.awssdk.services.ec2.model.StartInstancesResponse;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;

/**
 * An {@link Ec2Client} built on a thread of its own: building the SDK's client loads about a second's worth of
 * classes, which would otherwise keep the socket from appearing. The build starts at once, beside the server's
 * start; a call that comes before it is done waits for it (at most {@link #BUILD_WAIT}, then fails as an SDK client
 * error, which the plugin maps as any other), so the socket appears sooner and no call sees a half-built client.
 * It forwards the operations the plugin uses (the builder-taking overloads reach them through Ec2Client's defaults);
 * Ec2ClientInBackgroundTest checks that list against the plugin's sources. Not a java.lang.reflect.Proxy: a proxy
 * of Ec2Client resolves all its several hundred methods at once, loading every EC2 model class (seconds).
 */
final class Ec2ClientInBackground implements Ec2Client {
    /** Far more than a build takes on a busy machine; a call never waits without bound. */
    static final Duration BUILD_WAIT = Duration.ofSeconds(60);

    private final FutureTask<Ec2Client> build;

    private Ec2ClientInBackground(Supplier<Ec2Client> builder) {
        this.build = new FutureTask<>(builder::get);
    }

    /** Starts building with {@code builder} and returns the client whose calls wait for it. */
    static Ec2Client start(Supplier<Ec2Client> builder) {
        Ec2ClientInBackground client = new Ec2ClientInBackground(builder);
        Thread t = new Thread(client.build, "ik4j-ec2-client");
        t.setDaemon(true);
        t.start();
        return client;
    }

    private Ec2Client client() {
        try {
            return build.get(BUILD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw SdkClientException.builder().message("could not build the EC2 client: " + e.getCause().getMessage())
                    .cause(e.getCause()).build();
        } catch (TimeoutException e) {
            throw SdkClientException.builder().message("the EC2 client was not built within "
                    + BUILD_WAIT.toSeconds() + " s").build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.builder().message("interrupted while the EC2 client was being built").build();
        }
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public Ec2ServiceClientConfiguration serviceClientConfiguration() {
        return client().serviceClientConfiguration();
    }

    @Override
    public void close() {
        client().close();
    }

    @Override
    public AttachVolumeResponse attachVolume(AttachVolumeRequest request) {
        return client().attachVolume(request);
    }

    @Override
    public CancelSpotInstanceRequestsResponse cancelSpotInstanceRequests(CancelSpotInstanceRequestsRequest request) {
        return client().cancelSpotInstanceRequests(request);
    }

    @Override
    public CreateTagsResponse createTags(CreateTagsRequest request) {
        return client().createTags(request);
    }

    @Override
    public DescribeAvailabilityZonesResponse describeAvailabilityZones(DescribeAvailabilityZonesRequest request) {
        return client().describeAvailabilityZones(request);
    }

    @Override
    public DescribeInstancesResponse describeInstances(DescribeInstancesRequest request) {
        return client().describeInstances(request);
    }

    @Override
    public DescribeSpotInstanceRequestsResponse describeSpotInstanceRequests(DescribeSpotInstanceRequestsRequest request) {
        return client().describeSpotInstanceRequests(request);
    }

    @Override
    public DescribeVolumesResponse describeVolumes(DescribeVolumesRequest request) {
        return client().describeVolumes(request);
    }

    @Override
    public GetConsoleOutputResponse getConsoleOutput(GetConsoleOutputRequest request) {
        return client().getConsoleOutput(request);
    }

    @Override
    public RunInstancesResponse runInstances(RunInstancesRequest request) {
        return client().runInstances(request);
    }

    @Override
    public StartInstancesResponse startInstances(StartInstancesRequest request) {
        return client().startInstances(request);
    }

    @Override
    public TerminateInstancesResponse terminateInstances(TerminateInstancesRequest request) {
        return client().terminateInstances(request);
    }
}
