package io.rnn4j.io;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void roundTrip() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "lstm \"1\"\n\u0001");
        m.put("units", 32);
        m.put("rate", 0.001f);
        m.put("big", 1e-30);
        m.put("flag", true);
        m.put("none", null);
        m.put("shape", Arrays.asList(null, 10));
        m.put("nested", List.of(Map.of("a", List.of()), Map.of()));
        Object back = Json.parse(Json.write(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("units", 32L);
        expected.put("rate", 0.001);
        expected.put("shape", Arrays.asList(null, 10L));
        expected.put("nested", List.of(Map.of("a", List.of()), Map.of()));
        assertEquals(expected, back);
    }

    @Test
    void rejectsMalformed() {
        for (String bad : new String[] {"{", "[1,]", "{\"a\":1,\"a\":2}", "tru", "1 2", "\"x", "{\"a\" 1}", "-", "[" .repeat(100)}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON:"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    }
}
