// The k best rows of each query, by score, for exact search on the GPU
// (runtime/cuda/GpuSearch.h). The scores of Q queries against N rows are one
// [Q, N] row-major matrix (a cuBLASLt GEMM writes it); three functions find
// each query's k best, ranked as the CPU's exact search ranks them (higher
// score first, then the lower row id):
//
//   @top_k_lanes   every query's rows are dealt round-robin to `lanes` lanes;
//                  each lane keeps its k best, sorted, in the list buffers
//                  ([Q, lanes, k] scores and ids), by insertion;
//   @top_k_merge   lists t and t + stride of each query merged into list t's
//                  k best, for t < stride; called for stride lanes/2, ..., 1;
//   @top_k_gather  list 0 of each query (now its k best) to [Q, k] outputs.
//
// Each function is two nested scf.parallel loops (or one): queries become
// blocks and lanes threads on the GPU (gpu-map-parallel-loops), and the same
// IR runs as plain loops on the CPU, which is how test/gpu/top-k-kernels.mlir
// checks it without a GPU. A kernel boundary between the functions is the
// barrier the merge needs. Unfilled entries hold (-inf, 2^31 - 1), which rank
// below every row; a query with fewer than k rows keeps some of them.

// Whether (score, id) ranks above (other_score, other_id).
func.func private @ranks_above(%score: f32, %id: i32, %other_score: f32, %other_id: i32) -> i1 {
  %higher = arith.cmpf ogt, %score, %other_score : f32
  %equal = arith.cmpf oeq, %score, %other_score : f32
  %lower_id = arith.cmpi slt, %id, %other_id : i32
  %tie_won = arith.andi %equal, %lower_id : i1
  %above = arith.ori %higher, %tie_won : i1
  return %above : i1
}

func.func @top_k_lanes(%scores: memref<?xf32>, %list_scores: memref<?xf32>, %list_ids: memref<?xi32>,
                       %queries: index, %rows: index, %k: index, %lanes: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %false = arith.constant false
  %empty_score = arith.constant 0xFF800000 : f32
  %empty_id = arith.constant 2147483647 : i32
  scf.parallel (%q) = (%c0) to (%queries) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%lanes) step (%c1) {
      %list_index = arith.muli %q, %lanes : index
      %list = arith.addi %list_index, %lane : index
      %first = arith.muli %list, %k : index
      %last_offset = arith.subi %k, %c1 : index
      %last = arith.addi %first, %last_offset : index
      scf.for %i = %c0 to %k step %c1 {
        %at = arith.addi %first, %i : index
        memref.store %empty_score, %list_scores[%at] : memref<?xf32>
        memref.store %empty_id, %list_ids[%at] : memref<?xi32>
      }
      %row_start = arith.muli %q, %rows : index
      // The lane's k-th best so far: a row enters the list only above it.
      %unused:2 = scf.for %j = %lane to %rows step %lanes
          iter_args(%bar_score = %empty_score, %bar_id = %empty_id) -> (f32, i32) {
        %at = arith.addi %row_start, %j : index
        %score = memref.load %scores[%at] : memref<?xf32>
        %id = arith.index_cast %j : index to i32
        %enters = func.call @ranks_above(%score, %id, %bar_score, %bar_id) : (f32, i32, f32, i32) -> i1
        %bar:2 = scf.if %enters -> (f32, i32) {
          // Entries the row outranks move one place down, from the last up.
          %slot = scf.while (%p = %last) : (index) -> index {
            %not_first = arith.cmpi ugt, %p, %first : index
            %moves = scf.if %not_first -> (i1) {
              %above = arith.subi %p, %c1 : index
              %above_score = memref.load %list_scores[%above] : memref<?xf32>
              %above_id = memref.load %list_ids[%above] : memref<?xi32>
              %outranks = func.call @ranks_above(%score, %id, %above_score, %above_id) : (f32, i32, f32, i32) -> i1
              scf.yield %outranks : i1
            } else {
              scf.yield %false : i1
            }
            scf.condition(%moves) %p : index
          } do {
          ^bb0(%p: index):
            %above = arith.subi %p, %c1 : index
            %moved_score = memref.load %list_scores[%above] : memref<?xf32>
            %moved_id = memref.load %list_ids[%above] : memref<?xi32>
            memref.store %moved_score, %list_scores[%p] : memref<?xf32>
            memref.store %moved_id, %list_ids[%p] : memref<?xi32>
            scf.yield %above : index
          }
          memref.store %score, %list_scores[%slot] : memref<?xf32>
          memref.store %id, %list_ids[%slot] : memref<?xi32>
          %new_bar_score = memref.load %list_scores[%last] : memref<?xf32>
          %new_bar_id = memref.load %list_ids[%last] : memref<?xi32>
          scf.yield %new_bar_score, %new_bar_id : f32, i32
        } else {
          scf.yield %bar_score, %bar_id : f32, i32
        }
        scf.yield %bar#0, %bar#1 : f32, i32
      }
    } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  return
}

func.func @top_k_merge(%list_scores: memref<?xf32>, %list_ids: memref<?xi32>,
                       %queries: index, %k: index, %lanes: index, %stride: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %false = arith.constant false
  scf.parallel (%q) = (%c0) to (%queries) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%stride) step (%c1) {
      %query_lists = arith.muli %q, %lanes : index
      %list_a = arith.addi %query_lists, %lane : index
      %list_b = arith.addi %list_a, %stride : index
      %a = arith.muli %list_a, %k : index
      %b = arith.muli %list_b, %k : index
      // How many of the k best come from list a, and how many from b.
      %taken:2 = scf.for %r = %c0 to %k step %c1 iter_args(%i = %c0, %j = %c0) -> (index, index) {
        %at_a = arith.addi %a, %i : index
        %at_b = arith.addi %b, %j : index
        %score_a = memref.load %list_scores[%at_a] : memref<?xf32>
        %id_a = memref.load %list_ids[%at_a] : memref<?xi32>
        %score_b = memref.load %list_scores[%at_b] : memref<?xf32>
        %id_b = memref.load %list_ids[%at_b] : memref<?xi32>
        %a_first = func.call @ranks_above(%score_a, %id_a, %score_b, %id_b) : (f32, i32, f32, i32) -> i1
        %i_next = arith.addi %i, %c1 : index
        %j_next = arith.addi %j, %c1 : index
        %i_new = arith.select %a_first, %i_next, %i : index
        %j_new = arith.select %a_first, %j, %j_next : index
        scf.yield %i_new, %j_new : index, index
      }
      // Merged from the back into list a: position p receives the worse of
      // a[i - 1] and b[j - 1], and p >= i - 1, so no unread entry of a is
      // overwritten.
      %unused:2 = scf.for %r = %c0 to %k step %c1 iter_args(%i = %taken#0, %j = %taken#1) -> (index, index) {
        %b_empty = arith.cmpi eq, %j, %c0 : index
        %a_empty = arith.cmpi eq, %i, %c0 : index
        %take_a = scf.if %b_empty -> (i1) {
          scf.yield %true : i1
        } else {
          %b_wins = scf.if %a_empty -> (i1) {
            scf.yield %false : i1
          } else {
            %i_prev = arith.subi %i, %c1 : index
            %j_prev = arith.subi %j, %c1 : index
            %at_a = arith.addi %a, %i_prev : index
            %at_b = arith.addi %b, %j_prev : index
            %score_a = memref.load %list_scores[%at_a] : memref<?xf32>
            %id_a = memref.load %list_ids[%at_a] : memref<?xi32>
            %score_b = memref.load %list_scores[%at_b] : memref<?xf32>
            %id_b = memref.load %list_ids[%at_b] : memref<?xi32>
            %b_above = func.call @ranks_above(%score_b, %id_b, %score_a, %id_a) : (f32, i32, f32, i32) -> i1
            scf.yield %b_above : i1
          }
          scf.yield %b_wins : i1
        }
        %picked:4 = scf.if %take_a -> (f32, i32, index, index) {
          %i_prev = arith.subi %i, %c1 : index
          %at = arith.addi %a, %i_prev : index
          %score = memref.load %list_scores[%at] : memref<?xf32>
          %id = memref.load %list_ids[%at] : memref<?xi32>
          scf.yield %score, %id, %i_prev, %j : f32, i32, index, index
        } else {
          %j_prev = arith.subi %j, %c1 : index
          %at = arith.addi %b, %j_prev : index
          %score = memref.load %list_scores[%at] : memref<?xf32>
          %id = memref.load %list_ids[%at] : memref<?xi32>
          scf.yield %score, %id, %i, %j_prev : f32, i32, index, index
        }
        %from_end = arith.subi %k, %r : index
        %p_offset = arith.subi %from_end, %c1 : index
        %p = arith.addi %a, %p_offset : index
        memref.store %picked#0, %list_scores[%p] : memref<?xf32>
        memref.store %picked#1, %list_ids[%p] : memref<?xi32>
        scf.yield %picked#2, %picked#3 : index, index
      }
    } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  return
}

func.func @top_k_gather(%list_scores: memref<?xf32>, %list_ids: memref<?xi32>,
                        %out_scores: memref<?xf32>, %out_ids: memref<?xi32>,
                        %queries: index, %k: index, %lanes: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%q) = (%c0) to (%queries) step (%c1) {
    %query_lists = arith.muli %q, %lanes : index
    %from = arith.muli %query_lists, %k : index
    %to = arith.muli %q, %k : index
    scf.for %i = %c0 to %k step %c1 {
      %src = arith.addi %from, %i : index
      %dst = arith.addi %to, %i : index
      %score = memref.load %list_scores[%src] : memref<?xf32>
      %id = memref.load %list_ids[%src] : memref<?xi32>
      memref.store %score, %out_scores[%dst] : memref<?xf32>
      memref.store %id, %out_ids[%dst] : memref<?xi32>
    }
  } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  return
}
