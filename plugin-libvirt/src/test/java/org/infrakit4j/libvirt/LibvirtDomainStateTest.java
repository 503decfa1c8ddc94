package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import org.infrakit4j.spi.BackendMeter;
import org.libvirt.Domain;
import org.junit.jupiter.api.Test;

/**
 * Guards the one reach into libvirt-java's internals ({@code Domain.vdp}, read by reflection to call
 * virDomainGetState): a libvirt-java upgrade that renames or retypes the field fails here, not silently in
 * production, where every state reason would turn "unknown".
 */
class LibvirtDomainStateTest {
    @Test
    void theStateAndItsReasonComeFromVirDomainGetStateNotTheFallback() {
        assertThat(LibvirtDomainState.direct()).as("libvirt-java's org.libvirt.Domain no longer has the "
                + "package-private DomainPointer field 'vdp' (or libvirt.so.0 lacks virDomainGetState): "
                + "LibvirtDomainState must find the domain handle another way").isTrue();
        String name = "state-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        try (LibvirtConnection libvirt = new LibvirtConnection("test:///default", BackendMeter.NONE)) {
            // Paused by a user: the fallback (virDomainGetInfo) knows the state but says "unknown" for the reason.
            LibvirtDomainState state = libvirt.retrying(LibvirtOperation.DOMAIN_LOOKUP, name, c -> {
                Domain d = c.domainCreateXML("<domain type='test'><name>" + name + "</name><memory>8192</memory>"
                        + "<os><type>hvm</type></os></domain>", 0);
                try {
                    d.suspend();
                    return LibvirtDomainState.of(d);
                } finally {
                    d.destroy();
                }
            });
            assertThat(state).isEqualTo(new LibvirtDomainState("paused", "user"));
        }
    }

    @Test
    void numbersOutsideLibvirtsEnumsAreShownAsNumbers() {
        assertThat(LibvirtDomainState.of(5, 2)).isEqualTo(new LibvirtDomainState("shutoff", "destroyed"));
        assertThat(LibvirtDomainState.of(42, 7)).isEqualTo(new LibvirtDomainState("state 42", "reason 7"));
        assertThat(LibvirtDomainState.of(1, 99)).isEqualTo(new LibvirtDomainState("running", "reason 99"));
    }
}
