package io.sluice.handler.pipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.prep.PreparedGeometry;
import org.locationtech.jts.geom.prep.PreparedGeometryFactory;
import org.locationtech.jts.index.strtree.STRtree;
import org.locationtech.jts.io.ParseException;
import org.locationtech.jts.io.WKTReader;

/**
 * Region polygons (WKT, from a reference table) in an STR-tree: a point is matched against the few polygons whose
 * bounding box holds it, each a prepared geometry, not against every polygon. Immutable: a refresh builds a new one.
 */
final class RegionIndex {

    private record Region(String id, PreparedGeometry shape) {}

    private static final GeometryFactory GEOMETRY = new GeometryFactory();

    private final STRtree tree = new STRtree();
    private final int size;

    private RegionIndex(List<Region> regions) {
        for (Region region : regions) {
            tree.insert(region.shape().getGeometry().getEnvelopeInternal(), region);
        }
        tree.build();
        this.size = regions.size();
    }

    /** Reads {@code SELECT id, shape} (shape as WKT text, e.g. {@code POLYGON((…))}) into an index. */
    static RegionIndex load(DataSource dataSource, String query) throws SQLException, ParseException {
        WKTReader wkt = new WKTReader(GEOMETRY);
        List<Region> regions = new java.util.ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(query);
                ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                Geometry shape = wkt.read(rs.getString(2));
                regions.add(new Region(rs.getString(1), PreparedGeometryFactory.prepare(shape)));
            }
        }
        return new RegionIndex(regions);
    }

    int size() {
        return size;
    }

    /** The id of the first region that covers the point, or null. */
    String regionOf(double lon, double lat) {
        Point point = GEOMETRY.createPoint(new Coordinate(lon, lat));
        for (Object candidate : tree.query(point.getEnvelopeInternal())) {
            Region region = (Region) candidate;
            if (region.shape().covers(point)) {
                return region.id();
            }
        }
        return null;
    }
}
