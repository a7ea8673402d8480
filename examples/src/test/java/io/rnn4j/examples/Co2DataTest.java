package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shipped CSV and the windowing of the main job. */
class Co2DataTest {
    @Test
    void csvHoldsTheMonthlySeries1959To1997() throws Exception {
        double[] co2 = Co2Forecast.readCsv(Path.of("data/co2.csv"));
        assertEquals(468, co2.length);
        assertEquals(315.42, co2[0], 1e-9);
        assertEquals(364.34, co2[467], 1e-9);
        assertEquals("1997-12", Co2Forecast.monthName(467));
    }

    @Test
    void windowsEndRightBeforeTheirTarget() {
        Backend b = Backends.get("java");
        float[] z = new float[40];
        for (int i = 0; i < z.length; i++) {
            z[i] = i;
        }
        Co2Forecast.Split s = Co2Forecast.windows(b, z, 30, 32);
        assertArrayEquals(new int[] {2, Co2Forecast.WINDOW, 1}, s.x().shape());
        float[] x = s.x().toArray();
        assertEquals(30 - Co2Forecast.WINDOW, x[0]);
        assertEquals(29, x[Co2Forecast.WINDOW - 1]);
        assertArrayEquals(new float[] {30, 31}, s.y().toArray());
        assertArrayEquals(new int[] {30, 31}, s.months());
    }
}
