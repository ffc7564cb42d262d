# ECP5 flow (synth/flow.sh): for every DSP tile module of the Verilog read (a module whose body
# has the comment `// AxB unsigned tile: registered operands, product registered twice`, which
# zkhdl_hdl::tile writes), prints a module of the same name and ports built on a MULT18X18D
# with its input registers (the tile's a_r, b_r) and pipeline register (m) on CLK0, and the
# product's second register (p) in the fabric; with `-v regs=output`, p is the DSP's own
# output register instead. Tiles wider than 18x18 are left as they are.
/^module / {
  name = $2
  sub(/\(.*/, "", name)
}
/^ *\/\/ [0-9]+x[0-9]+ unsigned tile: registered operands, product registered twice/ {
  split($2, w, "x")
  wa = w[1] + 0
  wb = w[2] + 0
  if (wa <= 18 && wb <= 18 && !(name in done)) {
    done[name] = 1
    tile(name, wa, wb)
  }
}
function tile(name, wa, wb,    i, ports) {
  printf "module %s(clock, a, b, p);\n", name
  printf "    input wire clock;\n"
  printf "    input wire [%d:0] a;\n", wa - 1
  printf "    input wire [%d:0] b;\n", wb - 1
  printf "    output %s [%d:0] p;\n", regs == "output" ? "wire" : "reg", wa + wb - 1
  printf "    wire [35:0] dsp_p;\n"
  printf "    MULT18X18D #(\n"
  printf "        .REG_INPUTA_CLK(\"CLK0\"), .REG_INPUTB_CLK(\"CLK0\"), .REG_PIPELINE_CLK(\"CLK0\"),\n"
  printf "        .REG_OUTPUT_CLK(\"%s\"), .GSR(\"DISABLED\")\n", regs == "output" ? "CLK0" : "NONE"
  printf "    ) dsp (\n"
  ports = ""
  for (i = 0; i < 18; i++) ports = ports sprintf("        .A%d(%s),\n", i, i < wa ? sprintf("a[%d]", i) : "1'b0")
  for (i = 0; i < 18; i++) ports = ports sprintf("        .B%d(%s),\n", i, i < wb ? sprintf("b[%d]", i) : "1'b0")
  for (i = 0; i < 18; i++) ports = ports sprintf("        .C%d(1'b0),\n", i)
  for (i = 0; i < 36; i++) ports = ports sprintf("        .P%d(dsp_p[%d]),\n", i, i)
  ports = ports "        .SIGNEDA(1'b0), .SIGNEDB(1'b0), .SOURCEA(1'b0), .SOURCEB(1'b0),\n"
  ports = ports "        .CLK0(clock), .CLK1(1'b0), .CLK2(1'b0), .CLK3(1'b0),\n"
  ports = ports "        .CE0(1'b1), .CE1(1'b0), .CE2(1'b0), .CE3(1'b0),\n"
  ports = ports "        .RST0(1'b0), .RST1(1'b0), .RST2(1'b0), .RST3(1'b0)\n"
  printf "%s    );\n", ports
  if (regs == "output") {
    printf "    assign p = dsp_p[%d:0];\n", wa + wb - 1
  } else {
    printf "    initial p = 0;\n"
    printf "    always @(posedge clock) p <= dsp_p[%d:0];\n", wa + wb - 1
  }
  if (wa + wb < 36) printf "    wire unused_dsp = &{1'b0, dsp_p[35:%d]};\n", wa + wb
  printf "endmodule\n\n"
}
