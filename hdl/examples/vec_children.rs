use rust_hdl::prelude::*;
use zkhdl_hdl::tile::TileMul;
#[derive(LogicBlock)]
struct Top {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Bits<8>>,
    pub y: Signal<Out, Bits<36>>,
    tiles: Vec<TileMul<18, 18, 36>>,
}
impl Logic for Top {
    fn update(&mut self) {}
    fn connect(&mut self) {
        self.y.connect();
        for t in &mut self.tiles {
            t.a.connect();
            t.b.connect();
            t.clock.connect();
        }
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom("always @(*) begin tiles$0$clock = clock; tiles$0$a = x; tiles$0$b = x; y = tiles$0$p; end".into())
    }
}
fn main() {
    let mut t = Top {
        clock: Default::default(),
        x: Default::default(),
        y: Default::default(),
        tiles: (0..2).map(|_| TileMul::default()).collect(),
    };
    println!("{}", zkhdl_hdl::emit::emit_core(&mut t, "zz").unwrap());
}
