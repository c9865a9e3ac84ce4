package dev.loupe.job.annotations;

import java.util.ArrayList;
import java.util.List;

/**
 * Which keypoints are joined by a limb, by joint name: MPII Human Pose's 15 limbs over its 16
 * joints (the names Youtu-VL's pose task writes, see the engine's PoseAnswers). The report draws
 * them; the COCO export lists them as the person category's {@code skeleton}.
 */
public final class Skeleton {
    /** MPII's limbs: legs, pelvis to head, arms. */
    public static final List<List<String>> MPII_LIMBS = List.of(
            List.of("right_ankle", "right_knee"), List.of("right_knee", "right_hip"), List.of("right_hip", "pelvis"),
            List.of("pelvis", "left_hip"), List.of("left_hip", "left_knee"), List.of("left_knee", "left_ankle"),
            List.of("pelvis", "thorax"), List.of("thorax", "upper_neck"), List.of("upper_neck", "head_top"),
            List.of("right_wrist", "right_elbow"), List.of("right_elbow", "right_shoulder"), List.of("right_shoulder", "thorax"),
            List.of("thorax", "left_shoulder"), List.of("left_shoulder", "left_elbow"), List.of("left_elbow", "left_wrist"));

    private Skeleton() {}

    /** The limbs among {@code names}, as pairs of 0-based indices into it; limbs with an end not in it are left out. */
    public static List<int[]> limbs(List<String> names) {
        List<int[]> out = new ArrayList<>();
        for (List<String> limb : MPII_LIMBS) {
            int a = names.indexOf(limb.get(0)), b = names.indexOf(limb.get(1));
            if (a >= 0 && b >= 0) out.add(new int[] {a, b});
        }
        return out;
    }
}
