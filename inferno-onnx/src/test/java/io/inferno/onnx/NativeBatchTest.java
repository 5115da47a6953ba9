package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeBatchTest {
    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    @Test
    void directMemoryIsFreedWhenTheBatchClosesNotWhenTheCollectorRuns() {
        long before = directBytes();
        NativeBatch batch = new NativeBatch();
        var buffer = batch.allocate(1 << 20);

        assertThat(buffer.isDirect()).isTrue();
        assertThat(buffer.order()).isEqualTo(ByteOrder.nativeOrder());
        assertThat(directBytes()).isEqualTo(before + (1 << 20));
        batch.close();
        assertThat(directBytes()).isEqualTo(before);
    }

    @Test
    void closingFreesNewestFirstAndEveryObjectEvenWhenOneFails() {
        long live = NativeBatch.live();
        List<String> freed = new ArrayList<>();
        try (NativeBatch batch = new NativeBatch()) {
            batch.own(() -> freed.add("memory"));
            batch.own(() -> {
                freed.add("tensor");
                throw new IllegalStateException("already released");
            });
            batch.own(() -> freed.add("result"));
            assertThat(NativeBatch.live()).isEqualTo(live + 3);
        }
        assertThat(freed).containsExactly("result", "tensor", "memory");
        assertThat(NativeBatch.live()).isEqualTo(live);
    }

    @Test
    void aClosedBatchTakesNothingMoreAndClosesOnce() {
        List<String> freed = new ArrayList<>();
        NativeBatch batch = new NativeBatch();
        batch.own(() -> freed.add("tensor"));
        batch.close();
        batch.close();

        assertThat(freed).containsExactly("tensor");
        assertThatThrownBy(() -> batch.own(() -> freed.add("late"))).isInstanceOf(IllegalStateException.class);
    }
}
