package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.pg.Identifiers;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * {@code geo}: the seeds' map matching — gives each row with a point the id of the region that covers it:
 *
 * <pre>
 * - geo: {lon: lon, lat: lat, regions: public.regions, id: id, shape: boundary, column: region_id, refresh: 10m}
 * </pre>
 *
 * {@code shape} is the polygon as WKT text (no PostGIS needed; with PostGIS, point it at a view with
 * {@code ST_AsText(geom)}). Polygons are loaded once into a spatial index and reloaded after {@code refresh}. A point
 * outside every region gets NULL; a coordinate that is not a number rejects its row.
 */
final class GeoStep implements StepType {

    private final Supplier<DataSource> reference;

    GeoStep(Supplier<DataSource> reference) {
        this.reference = reference;
    }

    @Override
    public String name() {
        return "geo";
    }

    @Override
    public Step create(StepConfig config) {
        StepOptions options = StepOptions.of(
                config,
                List.of("lon", "lat", "regions", "id", "shape", "column", "refresh"),
                "lon",
                "lat",
                "regions",
                "id",
                "shape",
                "column");
        DataSource dataSource = config.referenceDatabase(reference);
        String lonColumn = options.text("lon");
        String latColumn = options.text("lat");
        String target = options.text("column");
        Duration refresh = options.duration("refresh", Duration.ofMinutes(10));
        String query = "SELECT " + Identifiers.quote(options.text("id")) + "::text, "
                + Identifiers.quote(options.text("shape")) + "::text FROM "
                + options.table("regions").quoted();
        Regions regions = new Regions(dataSource, query, refresh);
        try {
            regions.current(); // a bad table, column or polygon stops start-up
        } catch (RuntimeException e) {
            throw config.error(e.getMessage());
        }
        return batch -> {
            int lon = batch.indexOf(lonColumn);
            int lat = batch.indexOf(latColumn);
            if (lon < 0 || lat < 0) {
                return;
            }
            if (batch.indexOf(target) < 0) {
                batch.addColumn(new Column(target, "text", false), row -> null);
            }
            int at = batch.indexOf(target);
            RegionIndex index = regions.current();
            for (WorkingBatch.WorkingRow row : batch.rows()) {
                if (row.op() == Op.DELETE || row.value(lon) == null || row.value(lat) == null) {
                    continue;
                }
                try {
                    row.set(at, index.regionOf(Double.parseDouble(row.value(lon)), Double.parseDouble(row.value(lat))));
                } catch (NumberFormatException e) {
                    batch.reject(row, name(), lonColumn + "/" + latColumn, "not a coordinate: " + e.getMessage());
                }
            }
        };
    }

    /** The current index, rebuilt when older than the refresh interval. */
    private static final class Regions {
        private final DataSource dataSource;
        private final String query;
        private final Duration refresh;
        private RegionIndex index;
        private long loadedAt;

        Regions(DataSource dataSource, String query, Duration refresh) {
            this.dataSource = dataSource;
            this.query = query;
            this.refresh = refresh;
        }

        synchronized RegionIndex current() {
            if (index == null || System.nanoTime() - loadedAt > refresh.toNanos()) {
                try {
                    index = RegionIndex.load(dataSource, query);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot load regions (" + query + "): " + e.getMessage(), e);
                }
                loadedAt = System.nanoTime();
            }
            return index;
        }
    }
}
