use zkhdl_hdl::karatsuba::{full_tiles, low_tiles, schoolbook_tiles};
use zkhdl_hdl::tile::TileShape;
fn main() {
    let t = TileShape::T26x17;
    for l in 0..=4 {
        println!(
            "L{l}: full {} low {}",
            full_tiles(381, 381, l, t),
            low_tiles(381, 381, 381, l, t)
        );
    }
    println!("school {}", schoolbook_tiles(381, 381, t, usize::MAX));
}
